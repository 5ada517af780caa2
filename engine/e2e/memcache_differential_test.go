package e2e

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

var (
	mcSeed     = flag.Uint64("memcache.seed", 0, "seed of TestMemcacheDifferential (0 picks one from the clock; it is printed on failure)")
	mcCommands = flag.Int("memcache.commands", 3000, "number of random commands TestMemcacheDifferential sends")
)

// mcItemLimit is memcached's -I for both sides, so that 1 MiB values fit.
var mcItemLimit = []string{"-I", "2m"}

// mcNode starts a memcached (with args) and one node in front of it. With
// -e2e.direct the "node" is the memcached itself.
func mcNode(t *testing.T, args ...string) (node, mc *enginetest.Proc) {
	t.Helper()
	mc = enginetest.MemcachedWith(t, enginetest.MemcachedOptions{Args: args})
	if *direct {
		return mc, mc
	}
	cfg, err := enginetest.SingleNode(mc)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataStore != 1 {
		t.Fatalf("unexpected data_store %d for memcached", cfg.DataStore)
	}
	return enginetest.Node(t, cfg), mc
}

// mcCmd is one generated command. A cas command names the key whose token
// it uses; each side substitutes the token its own server gave.
type mcCmd struct {
	text      []byte // the whole command, data block included (not for cas)
	retrieval bool   // get/gets: VALUE blocks until END
	noreply   bool   // no reply is read
	cas       *mcCas
}

type mcCas struct {
	key   string
	flags int
	exp   int
	data  []byte
	stale bool // the first token this side saw for key, not the latest
}

func (c mcCmd) String() string {
	if c.cas != nil {
		return fmt.Sprintf("cas %s %d %d %d <%s token> (%d bytes)", c.cas.key, c.cas.flags, c.cas.exp, len(c.cas.data), map[bool]string{true: "first", false: "latest"}[c.cas.stale], len(c.cas.data))
	}
	return trunc(c.text)
}

// render returns the bytes a side sends, given that side's token history.
func (c mcCmd) render(tokens map[string][]string) []byte {
	if c.cas == nil {
		return c.text
	}
	tok := "0"
	if h := tokens[c.cas.key]; len(h) > 0 {
		tok = h[len(h)-1]
		if c.cas.stale {
			tok = h[0]
		}
	}
	return fmt.Appendf(nil, "cas %s %d %d %d %s\r\n%s\r\n", c.cas.key, c.cas.flags, c.cas.exp, len(c.cas.data), tok, c.cas.data)
}

// mcGen draws random memcached commands over a small key space.
type mcGen struct {
	r    *rand.Rand
	strs []string // string keys (one is 250 bytes long)
	ctrs []string // counter keys: only numbers are stored in them
	bigs []string // keys that may hold 1 MiB values
	read []string // keys of the last gets, the likeliest to have tokens
}

func newMCGen(s uint64) *mcGen {
	g := &mcGen{r: rand.New(rand.NewPCG(s, s^0x2545f4914f6cdd1d))}
	for i := 0; i < 80; i++ {
		g.strs = append(g.strs, fmt.Sprint("s:", i))
	}
	g.strs = append(g.strs, "L:"+strings.Repeat("k", 248))
	for i := 0; i < 10; i++ {
		g.ctrs = append(g.ctrs, fmt.Sprint("n:", i))
	}
	for i := 0; i < 3; i++ {
		g.bigs = append(g.bigs, fmt.Sprint("big:", i))
	}
	return g
}

func (g *mcGen) pick(ks []string) string { return ks[g.r.IntN(len(ks))] }

func (g *mcGen) anyKey() string {
	switch n := g.r.IntN(20); {
	case n == 0:
		return g.pick(g.bigs)
	case n < 4:
		return g.pick(g.ctrs)
	default:
		return g.pick(g.strs)
	}
}

func (g *mcGen) value() []byte {
	switch n := g.r.IntN(10); {
	case n < 5:
		return fmt.Appendf(nil, "v%d", g.r.IntN(100000))
	case n < 8:
		b := make([]byte, g.r.IntN(300))
		for i := range b {
			b[i] = byte(g.r.IntN(256))
		}
		return append(b, "\r\nEND\r\n"[:g.r.IntN(8)]...)
	case n < 9:
		return bytes.Repeat([]byte{'a' + byte(g.r.IntN(26))}, 1000+g.r.IntN(20000))
	default:
		return nil
	}
}

func (g *mcGen) exp() int {
	if g.r.IntN(15) == 0 {
		return -1 // expired at once
	}
	return []int{0, 0, 3600}[g.r.IntN(3)]
}

func store(verb, key string, flags, exp int, data []byte, noreply bool) []byte {
	nr := ""
	if noreply {
		nr = " noreply"
	}
	return fmt.Appendf(nil, "%s %s %d %d %d%s\r\n%s\r\n", verb, key, flags, exp, len(data), nr, data)
}

func (g *mcGen) get(verb string, max int) mcCmd {
	var b bytes.Buffer
	b.WriteString(verb)
	if verb == "gets" {
		g.read = g.read[:0]
	}
	for i := 1 + g.r.IntN(max); i > 0; i-- {
		k := g.anyKey()
		b.WriteString(" " + k)
		if verb == "gets" {
			g.read = append(g.read, k)
		}
	}
	b.WriteString("\r\n")
	return mcCmd{text: b.Bytes(), retrieval: true}
}

// next returns one or two commands: a noreply command is followed by a get
// of its key, which shows its effect.
func (g *mcGen) next() []mcCmd {
	flags := g.r.IntN(70000)
	switch n := g.r.IntN(100); {
	case n < 13:
		return []mcCmd{{text: store("set", g.pick(g.strs), flags, g.exp(), g.value(), false)}}
	case n < 17:
		return []mcCmd{{text: store([]string{"add", "replace"}[g.r.IntN(2)], g.pick(g.strs), flags, g.exp(), g.value(), false)}}
	case n < 21:
		return []mcCmd{{text: store([]string{"append", "prepend"}[g.r.IntN(2)], g.pick(g.strs), 0, 0, g.value(), false)}}
	case n < 25:
		return []mcCmd{g.get("get", 1)}
	case n < 32:
		return []mcCmd{g.get("get", 100)}
	case n < 40:
		return []mcCmd{g.get("gets", 8)}
	case n < 52:
		k := g.anyKey()
		if len(g.read) > 0 && g.r.IntN(5) > 0 {
			k = g.pick(g.read)
		}
		if strings.HasPrefix(k, "n:") {
			k = g.pick(g.strs)
		}
		return []mcCmd{{cas: &mcCas{key: k, flags: flags, exp: g.exp(), data: g.value(), stale: g.r.IntN(3) == 0}}}
	case n < 60:
		// Counters stay below 2^63: memcached parses a larger value with
		// a scan for '-' that runs past the item into whatever memory
		// follows it, so an incr of such a value fails at random
		// ("non-numeric") and two servers need not agree. Huge deltas
		// go to decr alone, which saturates at 0.
		verb := []string{"incr", "decr"}[g.r.IntN(2)]
		deltas := []string{"1", "7", "1000"}
		if verb == "decr" {
			deltas = append(deltas, "18446744073709551615", "9223372036854775808")
		}
		return []mcCmd{{text: fmt.Appendf(nil, "%s %s %s\r\n", verb, g.pick(g.ctrs), deltas[g.r.IntN(len(deltas))])}}
	case n < 62:
		return []mcCmd{{text: fmt.Appendf(nil, "incr %s 1\r\n", g.pick(g.strs))}} // mostly non-numeric
	case n < 66:
		return []mcCmd{{text: store("set", g.pick(g.ctrs), flags, 0, fmt.Appendf(nil, "%d", g.r.IntN(1000)), false)}}
	case n < 72:
		return []mcCmd{{text: fmt.Appendf(nil, "delete %s\r\n", g.anyKey())}}
	case n < 76:
		return []mcCmd{{text: fmt.Appendf(nil, "touch %s %d\r\n", g.anyKey(), g.exp())}}
	case n < 88:
		return g.noreply(flags)
	case n < 90:
		k := g.pick(g.bigs)
		if g.r.IntN(2) == 0 {
			return []mcCmd{{text: store("set", k, flags, 0, bytes.Repeat([]byte{'A' + byte(g.r.IntN(26))}, 1<<20), false)}, {text: []byte("get " + k + "\r\n"), retrieval: true}}
		}
		return []mcCmd{{text: []byte("gets " + k + " " + g.pick(g.strs) + "\r\n"), retrieval: true}}
	default:
		return []mcCmd{{text: store("set", g.pick(g.strs), flags, 0, g.value(), false)}, {text: []byte("get " + g.pick(g.strs) + "\r\n"), retrieval: true}}
	}
}

// noreply returns a noreply command (only forms whose every outcome is
// silent in memcached) and a get of its key.
func (g *mcGen) noreply(flags int) []mcCmd {
	k := g.pick(g.strs)
	var c []byte
	switch g.r.IntN(8) {
	case 0, 1:
		c = store("set", k, flags, g.exp(), g.value(), true)
	case 2:
		c = store([]string{"add", "replace"}[g.r.IntN(2)], k, flags, 0, g.value(), true)
	case 3:
		c = store([]string{"append", "prepend"}[g.r.IntN(2)], k, 0, 0, g.value(), true)
	case 4:
		c = fmt.Appendf(nil, "delete %s noreply\r\n", k)
	case 5:
		c = fmt.Appendf(nil, "touch %s %d noreply\r\n", k, g.exp())
	default:
		k = g.pick(g.ctrs)
		c = fmt.Appendf(nil, "%s %s %d noreply\r\n", []string{"incr", "decr"}[g.r.IntN(2)], k, g.r.IntN(50))
	}
	return []mcCmd{{text: c, noreply: true}, {text: []byte("get " + k + "\r\n"), retrieval: true}}
}

// mcSide is one end of the comparison: a connection and its cas tokens.
type mcSide struct {
	c      *mcConn
	tokens map[string][]string
}

// run sends the batch (while reading, so neither side can deadlock) and
// returns the replies of the commands that expect one, recording tokens.
func (s *mcSide) run(batch []mcCmd) ([]mcReply, error) {
	werr := make(chan error, 1)
	rendered := make([][]byte, len(batch))
	for i, c := range batch {
		rendered[i] = c.render(s.tokens)
	}
	go func() {
		for _, b := range rendered {
			s.c.send(b)
		}
		werr <- s.c.flush()
	}()
	var out []mcReply
	for i, c := range batch {
		if c.noreply {
			continue
		}
		r, err := s.c.readReply(c.retrieval)
		if err != nil {
			<-werr
			return nil, fmt.Errorf("reply to command %d of %d (%s): %w", i, len(batch), c, err)
		}
		for _, it := range r.items {
			if it.cas != "" {
				s.tokens[it.key] = append(s.tokens[it.key], it.cas)
			}
		}
		out = append(out, r)
	}
	return out, <-werr
}

// TestMemcacheDifferential sends the same seeded random commands, in
// pipelines, to memcached through a node and to a second memcached directly,
// and requires equal replies (cas unique numbers aside: each side uses its
// own). A directed prologue pins cas and noreply semantics.
func TestMemcacheDifferential(t *testing.T) {
	s := *mcSeed
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("TestMemcacheDifferential seed: -memcache.seed=%d", s)
		}
	})
	node, _ := mcNode(t, mcItemLimit...)
	ref := enginetest.MemcachedWith(t, enginetest.MemcachedOptions{Args: mcItemLimit})
	px := &mcSide{c: dialMC(t, node.Addr), tokens: map[string][]string{}}
	rf := &mcSide{c: dialMC(t, ref.Addr), tokens: map[string][]string{}}
	px.c.timeout, rf.c.timeout = 10*time.Second, 10*time.Second

	mcPrologue(t, "through the node", px.c)
	mcPrologue(t, "direct", rf.c)
	mcNoreplyNotStalled(t, "through the node", px.c)
	mcNoreplyNotStalled(t, "direct", rf.c)

	g := newMCGen(s)
	sent, batchNo, mismatches, casOK, casExists := 0, 0, 0, 0, 0
	for sent < *mcCommands {
		var batch []mcCmd
		n := 1 + g.r.IntN(40)
		for len(batch) < n {
			cmds := g.next()
			if cmds[0].cas != nil && len(batch) > 0 {
				break // a cas starts a batch, so the tokens it needs are known
			}
			batch = append(batch, cmds...)
		}
		batchNo++
		var pr, rr []mcReply
		var perr, rerr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); pr, perr = px.run(batch) }()
		go func() { defer wg.Done(); rr, rerr = rf.run(batch) }()
		wg.Wait()
		if rerr != nil {
			t.Fatalf("direct memcached: batch %d: %v", batchNo, rerr)
		}
		if perr != nil {
			t.Fatalf("through the node: batch %d (commands %d..%d): %v", batchNo, sent, sent+len(batch)-1, perr)
		}
		j := 0
		for i, c := range batch {
			if c.noreply {
				continue
			}
			if c.cas != nil {
				switch string(rr[j].raw) {
				case "STORED\r\n":
					casOK++
				case "EXISTS\r\n":
					casExists++
				}
			}
			if p, r := pr[j].norm(), rr[j].norm(); p != r {
				mismatches++
				t.Errorf("command #%d (batch %d of %d commands): %s\n  through the node: %q\n  direct:           %q",
					sent+i, batchNo, len(batch), c, trunc([]byte(p)), trunc([]byte(r)))
				if mismatches >= 10 {
					t.Fatalf("stopping after %d mismatches", mismatches)
				}
			}
			j++
		}
		sent += len(batch)
	}
	t.Logf("%d commands in %d pipelines compared; cas stored %d, cas exists %d", sent, batchNo, casOK, casExists)
	if casOK == 0 || casExists == 0 {
		t.Errorf("the random cas commands never both succeeded (%d) and failed on a stale token (%d)", casOK, casExists)
	}
}

// mcPrologue pins cas semantics on one side: the token just read succeeds
// once, then is stale; a cas on a missing key is NOT_FOUND; values of 1 MiB
// round-trip; a value over the item limit is refused.
func mcPrologue(t *testing.T, side string, c *mcConn) {
	t.Helper()
	expect := func(cmd, want string) mcReply {
		t.Helper()
		r, err := c.do(cmd)
		if err != nil {
			t.Fatalf("%s: %s: %v", side, trunc([]byte(cmd)), err)
		}
		if want != "" && string(r.raw) != want {
			t.Fatalf("%s: %s: unexpected reply %q; want %q", side, trunc([]byte(cmd)), trunc(r.raw), want)
		}
		return r
	}
	expect("set cas:k 5 0 1\r\nA\r\n", "STORED\r\n")
	r := expect("gets cas:k\r\n", "")
	if len(r.items) != 1 || r.items[0].cas == "" || string(r.items[0].value) != "A" || r.items[0].flags != "5" {
		t.Fatalf("%s: gets cas:k: unexpected reply %q", side, r.raw)
	}
	tok := r.items[0].cas
	expect("cas cas:k 6 0 1 "+tok+"\r\nB\r\n", "STORED\r\n")
	expect("cas cas:k 7 0 1 "+tok+"\r\nC\r\n", "EXISTS\r\n")
	expect("cas cas:none 0 0 1 "+tok+"\r\nD\r\n", "NOT_FOUND\r\n")
	expect("get cas:k\r\n", "VALUE cas:k 6 1\r\nB\r\nEND\r\n")
	big := strings.Repeat("0123456789ABCDE\n", 1<<16) // 1 MiB
	expect(fmt.Sprintf("set cas:big 0 0 %d\r\n%s\r\n", len(big), big), "STORED\r\n")
	expect("get cas:big\r\n", fmt.Sprintf("VALUE cas:big 0 %d\r\n%s\r\nEND\r\n", len(big), big))
	huge := strings.Repeat("x", 3<<20)
	expect(fmt.Sprintf("set cas:huge 0 0 %d\r\n%s\r\n", len(huge), huge), "SERVER_ERROR object too large for cache\r\n")
	expect("get cas:huge\r\n", "END\r\n")
	expect("delete cas:k\r\n", "DELETED\r\n")
	expect("delete cas:big\r\n", "DELETED\r\n")
}

// mcNoreplyNotStalled sends each noreply form alone, then a get: the get's
// reply must come at once and show the effect.
func mcNoreplyNotStalled(t *testing.T, side string, c *mcConn) {
	t.Helper()
	steps := []struct{ cmd, get string }{
		{"set nr:k 1 0 2 noreply\r\nab\r\n", "VALUE nr:k 1 2\r\nab\r\nEND\r\n"},
		{"add nr:k 0 0 1 noreply\r\nz\r\n", "VALUE nr:k 1 2\r\nab\r\nEND\r\n"},
		{"replace nr:k 2 0 2 noreply\r\ncd\r\n", "VALUE nr:k 2 2\r\ncd\r\nEND\r\n"},
		{"append nr:k 0 0 1 noreply\r\ne\r\n", "VALUE nr:k 2 3\r\ncde\r\nEND\r\n"},
		{"prepend nr:k 0 0 1 noreply\r\nb\r\n", "VALUE nr:k 2 4\r\nbcde\r\nEND\r\n"},
		{"touch nr:k 3600 noreply\r\n", "VALUE nr:k 2 4\r\nbcde\r\nEND\r\n"},
		{"set nr:k 0 0 2 noreply\r\n10\r\n", "VALUE nr:k 0 2\r\n10\r\nEND\r\n"},
		{"incr nr:k 5 noreply\r\n", "VALUE nr:k 0 2\r\n15\r\nEND\r\n"},
		{"decr nr:k 20 noreply\r\n", "VALUE nr:k 0 1\r\n0\r\nEND\r\n"},
		{"delete nr:k noreply\r\n", "END\r\n"},
	}
	for _, s := range steps {
		c.send([]byte(s.cmd))
		if err := c.flush(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
		start := time.Now()
		c.send([]byte("get nr:k\r\n"))
		r, err := c.reply(true)
		if err != nil {
			t.Fatalf("%s: get after %q: %v (the connection stalled?)", side, s.cmd, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: get after %q: reply took %v; want it at once", side, s.cmd, d.Round(time.Millisecond))
		}
		if r.norm() != s.get {
			t.Fatalf("%s: get after %q: unexpected reply %q; want %q", side, s.cmd, r.raw, s.get)
		}
	}
}
