package memcache

import (
	"bytes"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMemcachedReplyScanner sends a seeded random mix of every command to a
// real memcached, then scans the reply stream with ReplyScanner in every
// split mode: all modes must frame the same replies and consume the stream
// exactly.
func TestMemcachedReplyScanner(t *testing.T) {
	addr := startMemcached(t)
	rng := rand.New(rand.NewPCG(testSeed(), 4))
	var reqs []byte
	var cmds []Command
	add := func(frame []byte) {
		var p Parser
		var r Request
		n, err := p.Parse(frame, &r)
		if err != nil || n != len(frame) {
			t.Fatalf("generated request %.80q does not parse: n=%d err=%v", frame, n, err)
		}
		reqs = append(reqs, frame...)
		if !r.NoReply {
			cmds = append(cmds, r.Cmd)
		}
	}
	for i := 0; i < 5; i++ {
		add([]byte("set n" + strconv.Itoa(i) + " 0 0 2\r\n10\r\n"))
	}
	for i := 0; i < 3000; i++ {
		add(randomRequest(rng))
	}
	add([]byte("mn\r\n"))
	stream := roundTrip(t, addr, reqs, cmds)
	t.Logf("%d requests (%d bytes), %d replies (%d bytes)", 3006, len(reqs), len(cmds), len(stream))

	want, left := scanStream(Limits{}, cmds, [][]byte{stream})
	if left != 0 || len(want) != len(cmds) {
		t.Fatalf("unexpected scan of memcached's replies (-seed=%d): %d replies of %d, %d bytes left, last %q",
			testSeed(), len(want), len(cmds), left, want[max(0, len(want)-3):])
	}
	for name, chunks := range splitModes(stream, rng) {
		got, left := scanStream(Limits{}, cmds, chunks)
		if strings.Join(got, "\n") != strings.Join(want, "\n") || left != 0 {
			t.Fatalf("unexpected replies in %s mode (-seed=%d)", name, testSeed())
		}
	}
	seen := map[string]bool{}
	for _, d := range want {
		seen[d[strings.IndexByte(d, ' ')+1:]] = true
	}
	for _, st := range []Status{StatusEnd, StatusStored, StatusNotStored, StatusExists, StatusNotFound,
		StatusDeleted, StatusTouched, StatusNumber, StatusClientError, StatusVersion, StatusOK,
		StatusHD, StatusVA, StatusEN, StatusNF, StatusNS, StatusEX, StatusMN, StatusME} {
		if !seen[st.String()] {
			t.Fatalf("no %s reply in the mix (-seed=%d); seen %v", st, testSeed(), seen)
		}
	}
}

// TestMemcachedLargeValues frames replies carrying values up to memcached's
// default item size limit.
func TestMemcachedLargeValues(t *testing.T) {
	addr := startMemcached(t)
	big := bytes.Repeat([]byte("v"), 1048000) // fits in a 1 MiB item with its header
	var reqs []byte
	reqs = append(reqs, "set big 7 0 "+strconv.Itoa(len(big))+"\r\n"...)
	reqs = append(append(reqs, big...), "\r\n"...)
	reqs = append(reqs, "get big big\r\ngets big\r\nmg big v f\r\nset huge 0 0 1048576\r\n"...)
	reqs = append(append(reqs, bytes.Repeat([]byte("h"), 1048576)...), "\r\nmn\r\n"...)
	cmds := []Command{CmdSet, CmdGet, CmdGets, CmdMetaGet, CmdSet, CmdMetaNoop}
	stream := roundTrip(t, addr, reqs, cmds)
	want := []string{"n=8 STORED", "n=2096051 END", "n=1048030 END", "n=1048017 VA",
		"n=41 SERVER_ERROR", "n=4 MN"}
	rng := rand.New(rand.NewPCG(testSeed(), 5))
	for _, chunks := range [][][]byte{{stream}, splitModes(stream, rng)["random"]} {
		got, left := scanStream(Limits{}, cmds, chunks)
		if strings.Join(got, "\n") != strings.Join(want, "\n") || left != 0 {
			t.Fatalf("unexpected replies (-seed=%d); got %q (left %d); want %q", testSeed(), got, left, want)
		}
	}
}

// roundTrip writes reqs to memcached and reads until ReplyScanner has framed
// one reply per command of cmds; it returns the reply bytes.
func roundTrip(t *testing.T, addr string, reqs []byte, cmds []Command) []byte {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("cannot dial memcached: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	go c.Write(reqs)
	var s ReplyScanner
	var stream []byte
	chunk := make([]byte, 256<<10)
	for pos, i := 0, 0; i < len(cmds); {
		n, st, err := s.Scan(stream[pos:], cmds[i])
		if err == nil {
			pos, i = pos+n, i+1
			if st == StatusUnknown {
				t.Fatalf("reply %d has no status", i)
			}
			continue
		}
		if err != ErrIncomplete {
			t.Fatalf("cannot scan reply %d to %v: %v; %.200q", i, cmds[i], err, stream[pos:])
		}
		m, err := c.Read(chunk)
		if err != nil {
			t.Fatalf("cannot read reply %d of %d to %v: %v", i, len(cmds), cmds[i], err)
		}
		stream = append(stream, chunk[:m]...)
	}
	return stream
}

// randomRequest returns one valid request of any command but quit, never
// with the q flag (its replies are not one per request).
func randomRequest(rng *rand.Rand) []byte {
	key := func() string {
		if rng.IntN(4) == 0 {
			return "n" + strconv.Itoa(rng.IntN(5))
		}
		return "k" + strconv.Itoa(rng.IntN(20))
	}
	noreply := func() string {
		if rng.IntN(10) == 0 {
			return " noreply"
		}
		return ""
	}
	value := func() string {
		switch rng.IntN(10) {
		case 0:
			return strings.Repeat("x", rng.IntN(10000))
		case 1:
			return strconv.Itoa(rng.IntN(1000))
		case 2:
			return "a\r\nb\nEND\r\n"
		}
		return strings.Repeat("v", rng.IntN(100))
	}
	pick := func(opts ...string) string { return opts[rng.IntN(len(opts))] }
	flags := func(opts ...string) string {
		var b strings.Builder
		for _, o := range opts {
			if rng.IntN(2) == 0 {
				b.WriteString(" " + o)
			}
		}
		return b.String()
	}
	keys := func() string {
		n := 1 + rng.IntN(5)
		if rng.IntN(20) == 0 {
			n = 100
		}
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(" " + key())
		}
		return b.String()
	}
	var s string
	switch cmd := rng.IntN(20); cmd {
	case 0, 1, 2, 3, 4:
		v := value()
		s = pick("set", "set", "add", "replace", "append", "prepend") + " " + key() + " " +
			strconv.Itoa(rng.IntN(1<<16)) + " " + pick("0", "0", "1000") + " " + strconv.Itoa(len(v)) +
			noreply() + "\r\n" + v + "\r\n"
	case 5:
		v := value()
		s = "cas " + key() + " 0 0 " + strconv.Itoa(len(v)) + " " + strconv.Itoa(rng.IntN(30)) + noreply() + "\r\n" + v + "\r\n"
	case 6, 7, 8:
		s = pick("get", "gets") + keys() + "\r\n"
	case 9:
		s = pick("gat", "gats") + " " + pick("0", "1000") + keys() + "\r\n"
	case 10:
		s = pick("incr", "decr") + " " + key() + " " + strconv.Itoa(rng.IntN(100)) + noreply() + "\r\n"
	case 11:
		s = "delete " + key() + pick("", " 0") + noreply() + "\r\n"
	case 12:
		s = "touch " + key() + " " + pick("0", "1000") + noreply() + "\r\n"
	case 13:
		s = pick("version\r\n", "verbosity 0\r\n", "verbosity 0 noreply\r\n", "mn\r\n")
	case 14, 15:
		s = "mg " + key() + flags("v", "k", "c", "f", "t", "s", "O123") + "\r\n"
	case 16:
		v := value()
		s = "ms " + key() + " " + strconv.Itoa(len(v)) + flags("T0", "F5", "c", "k") +
			pick("", " MS", " ME", " MA", " MP", " MR", " C"+strconv.Itoa(rng.IntN(30))) + "\r\n" + v + "\r\n"
	case 17:
		s = "md " + key() + flags("k", "O9") + "\r\n"
	case 18:
		s = "ma " + key() + flags("N0", "J5", "D3", "v", "t") + pick("", " MI", " MD") + "\r\n"
	case 19:
		s = "me " + key() + "\r\n"
	}
	return []byte(s)
}
