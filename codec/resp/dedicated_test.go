package resp

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBlocksDedicated(t *testing.T) {
	f := func(req string, blocks, dedicated bool) {
		t.Helper()
		args := argsOf(strings.Fields(req)...)
		c := LookupArgs(args)
		if c == nil {
			t.Fatalf("unknown command in %q", req)
		}
		if got := c.Blocks(args); got != blocks {
			t.Fatalf("unexpected Blocks(%q); got %v; want %v", req, got, blocks)
		}
		if got := c.Dedicated(args); got != dedicated {
			t.Fatalf("unexpected Dedicated(%q); got %v; want %v", req, got, dedicated)
		}
	}
	f("GET k", false, false)
	f("BLPOP a b 0", true, true)
	f("bzmpop 0 1 z MIN", true, true)
	f("XREAD STREAMS s 0", false, false)
	f("XREAD COUNT 2 STREAMS s 0", false, false)
	f("xread count 2 block 0 streams s 0", true, true)
	f("XREAD STREAMS BLOCK 0", false, false) // a stream called BLOCK
	f("XREADGROUP GROUP g c BLOCK 10 STREAMS s >", true, true)
	f("XREADGROUP GROUP BLOCK c STREAMS s >", false, false) // a group called BLOCK
	f("XREADGROUP GROUP g c NOACK STREAMS s >", false, false)
	for _, r := range []string{"MULTI", "EXEC", "DISCARD", "WATCH k", "UNWATCH", "SUBSCRIBE c",
		"PSUBSCRIBE p*", "SSUBSCRIBE c", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"} {
		f(r, false, true)
	}
	f("PUBLISH c m", false, false)
	f("PUBSUB CHANNELS", false, false)

	args := argsOf("XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "0")
	c := Lookup(args[0])
	if !raceEnabled {
		if allocs := testing.AllocsPerRun(100, func() { c.Dedicated(args) }); allocs != 0 {
			t.Fatalf("unexpected allocations; got %v; want 0", allocs)
		}
	}
}

func TestSafetyClasses(t *testing.T) {
	names := func(f Flag) []string {
		var out []string
		var walk func([]*Command)
		walk = func(cs []*Command) {
			for _, c := range cs {
				if c.Has(f) {
					out = append(out, c.Name)
				}
				walk(c.Sub)
			}
		}
		walk(commandTable[:])
		slices.Sort(out)
		return out
	}
	f := func(f Flag, want string) {
		t.Helper()
		if got := strings.Join(names(f), " "); got != want {
			t.Fatalf("unexpected commands with flag %#x;\ngot  %s\nwant %s", f, got, want)
		}
	}
	f(FlagAdminRefused, "acl|deluser acl|setuser bgrewriteaof bgsave config|resetstat config|rewrite config|set "+
		"debug failover migrate module module|help module|list module|load module|loadex module|unload "+
		"replicaof save shutdown slaveof swapdb")
	f(FlagSubscribe, "psubscribe punsubscribe ssubscribe subscribe sunsubscribe unsubscribe")
	f(FlagTransaction, "discard exec multi unwatch watch")
	f(FlagClusterWide, "dbsize flushall flushdb keys randomkey scan")
	for _, n := range []string{"config|get", "acl|whoami", "acl|getuser", "info", "get", "mset"} {
		c := LookupArgs(argsOf(strings.Split(n, "|")...))
		if c == nil || c.Name != n || c.Has(FlagAdminRefused) {
			t.Fatalf("%s: want an allowed command, got %+v", n, c)
		}
	}
	for _, c := range commandTable {
		if c.Has(FlagMultiKey) && c.Has(FlagCrossSlot) {
			t.Fatalf("%s: split per owner and cross-slot at once", c.Name)
		}
	}
	got := LookupArgs(argsOf("CONFIG", "SET", "x", "y")).AppendAdminRefused([]byte("x"))
	if want := "x-ERR Dynomite: server administration command 'config|set' is refused\r\n"; string(got) != want {
		t.Fatalf("unexpected refusal; got %q; want %q", got, want)
	}
	for _, r := range [][]byte{got[1:], ReplyCrossSlot} {
		var s ReplyScanner
		if n, err := s.Scan(r); err != nil || n != len(r) || r[0] != '-' {
			t.Fatalf("%q is not one error reply: %d %v", r, n, err)
		}
	}
}

// crossSlotExamples reads testdata/crossslot.txt: inline requests, parsed
// by the package's own parser.
func crossSlotExamples(t *testing.T) [][][]byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "crossslot.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out [][][]byte
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		var p Parser
		var r Request
		in := []byte(line + "\r\n")
		if n, err := p.Parse(in, &r); err != nil || n != len(in) {
			t.Fatalf("cannot parse %q: %v", line, err)
		}
		args := make([][]byte, len(r.Args))
		for i, a := range r.Args {
			args[i] = append([]byte(nil), a...)
		}
		out = append(out, args)
	}
	return out
}

// TestCrossSlotExamples: the examples name every FlagCrossSlot command of
// the table once, each with keys of two hash tags that Keys finds.
func TestCrossSlotExamples(t *testing.T) {
	var want, got []string
	for _, c := range commandTable {
		if c.Has(FlagCrossSlot) {
			want = append(want, c.Name)
		}
		for _, s := range c.Sub {
			if s.Has(FlagCrossSlot) {
				want = append(want, s.Name)
			}
		}
	}
	for _, args := range crossSlotExamples(t) {
		c := LookupArgs(args)
		if c == nil || !c.CheckArity(len(args)) {
			t.Fatalf("%q: unknown command or wrong arity", args)
		}
		got = append(got, c.Name)
		tags := map[string]bool{}
		for _, i := range c.Keys(args, nil) {
			if k := string(args[i]); strings.HasPrefix(k, "{a}") || strings.HasPrefix(k, "{b}") {
				tags[k[:3]] = true
			}
		}
		if len(tags) != 2 {
			t.Fatalf("%q: Keys finds keys of tags %v; want {a} and {b}", args, tags)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("testdata/crossslot.txt does not match the table;\ngot  %v\nwant %v", got, want)
	}
}

// TestRedisCrossSlot: a real redis-server in cluster mode answers every
// example with CROSSSLOT, and the same request with one hash tag without.
func TestRedisCrossSlot(t *testing.T) {
	dir := t.TempDir()
	addr := startRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"))
	rc := newRedisConn(t, addr)
	ask := rc.ask
	if got := ask(argsOf("CLUSTER", "ADDSLOTSRANGE", "0", "16383")); got != "+OK\r\n" {
		t.Fatalf("cannot assign the slots: %q", got)
	}
	for _, args := range crossSlotExamples(t) {
		if got := ask(args); got != string(ReplyCrossSlot) {
			t.Fatalf("%q: redis answered %q; want CROSSSLOT", args, got)
		}
		one := make([][]byte, len(args))
		for i, a := range args {
			one[i] = bytes.ReplaceAll(a, []byte("{b}"), []byte("{a}"))
		}
		if got := ask(one); strings.HasPrefix(got, "-CROSSSLOT") {
			t.Fatalf("%q: redis answered %q with one hash tag", one, got)
		}
		if strings.EqualFold(string(args[0]), "watch") {
			ask(argsOf("UNWATCH"))
		}
	}
}

// TestEmptyKey: the empty key is a key like any other in the codec, as in
// Redis: parsed, validated, found, split and merged.
func TestEmptyKey(t *testing.T) {
	var p Parser
	var r Request
	in := []byte("*2\r\n$3\r\nGET\r\n$0\r\n\r\n")
	if n, err := p.Parse(in, &r); err != nil || n != len(in) {
		t.Fatalf("cannot parse GET of the empty key: %v", err)
	}
	if reply, ok := r.Validate(nil); !ok {
		t.Fatalf("GET of the empty key refused: %q", reply)
	}
	if keys := r.Cmd.Keys(r.Args, nil); !slices.Equal(keys, []int{1}) {
		t.Fatalf("unexpected keys of GET \"\"; got %v; want [1]", keys)
	}
	in = []byte("MGET \"\" a \"\"\r\n")
	if n, err := p.Parse(in, &r); err != nil || n != len(in) {
		t.Fatalf("cannot parse MGET: %v", err)
	}
	var sp Split
	owner := func(k []byte) int { return len(k) }
	if _, err := sp.Split(nil, &r, owner); err != nil || len(sp.Parts) != 2 || sp.Parts[0].Keys != 2 {
		t.Fatalf("cannot split MGET with empty keys: %v %+v", err, sp.Parts)
	}
	merged, err := sp.Merge(nil, [][]byte{[]byte("*2\r\n$1\r\nx\r\n$1\r\ny\r\n"), []byte("*1\r\n$-1\r\n")})
	if err != nil || string(merged) != "*3\r\n$1\r\nx\r\n$-1\r\n$1\r\ny\r\n" {
		t.Fatalf("unexpected merge; got %q, %v", merged, err)
	}
}
