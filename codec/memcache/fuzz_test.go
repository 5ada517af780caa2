package memcache

import (
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"
)

// FuzzMemcache feeds arbitrary bytes to the request parser and, as the reply
// to a command picked by the first byte, to the reply scanner. It checks no
// panic, n <= len(input), the same frames in every split mode, a parse ->
// AppendRequest -> parse round trip, and no allocation on re-parse.
func FuzzMemcache(f *testing.F) {
	for _, s := range []string{
		"get a b c\r\n", "gets a\r\n", "gat 10 a b\r\n", "gats 1 a\r\n",
		"set a 1 2 3\r\nabc\r\n", "add a 0 0 1 noreply\r\nx\r\n", "cas a 0 0 1 9\r\nx\r\n",
		"append a 0 0 3\r\nxyzw\r\n", "prepend a 0 0 10000000000\r\n", "set a 0 0 2000000\r\nxx",
		"incr a 1\r\n", "decr a 1 noreply\r\n", "delete a 0 noreply\r\n", "touch a 10\r\n",
		"version\r\n", "verbosity 1\r\n", "quit\r\n", "bogus\r\n", "\r\n",
		"mg a v k q\r\n", "ms a 2 T0\r\nhi\r\n", "md a q\r\n", "ma a N0 J1 v\r\n", "mn\r\n", "me a\r\n",
		"VALUE a 0 3 5\r\nabc\r\nEND\r\n", "STORED\r\n", "12 \r\n", "VA 2 s2\r\nhi\r\n", "HD\r\n",
		"SERVER_ERROR out of memory\r\n", "get " + strings.Repeat("k", 251) + "\r\n",
	} {
		f.Add([]byte(s))
	}
	// Replies, each after the byte that selects the command they answer.
	for _, s := range []struct {
		cmd   Command
		reply string
	}{
		{CmdGet, "VALUE a 0 3\r\nabc\r\nVALUE b 1 0\r\n\r\nEND\r\n"},
		{CmdGets, "VALUE a 0 3 9\r\nabc\r\nEND\r\nEND\r\n"},
		{CmdSet, "STORED\r\nNOT_STORED\r\nSERVER_ERROR out of memory\r\n"},
		{CmdIncr, "12 \r\nNOT_FOUND\r\n"},
		{CmdMetaGet, "VA 2 s2 k\r\nhi\r\nEN\r\nHD c1\r\n"},
		{CmdMetaArith, "VA 1\r\n5\r\nNF\r\n"},
		{CmdMetaDebug, "ME a exp=-1 la=3\r\n"},
	} {
		f.Add(append([]byte{byte(s.cmd)}, s.reply...))
	}
	lim := Limits{MaxValue: 1 << 12, MaxLine: 256, MaxKeys: 64}
	f.Fuzz(func(t *testing.T, data []byte) {
		h := fnv.New64a()
		h.Write(data)
		rng := rand.New(rand.NewPCG(h.Sum64(), 3))
		checkFuzzRequests(t, lim, data, rng)
		checkFuzzReplies(t, lim, data, rng)
	})
}

func checkFuzzRequests(t *testing.T, lim Limits, data []byte, rng *rand.Rand) {
	want, wantLeft := parseStream(lim, [][]byte{data})
	for name, chunks := range splitModes(data, rng) {
		got, left := parseStream(lim, chunks)
		if strings.Join(got, "\n") != strings.Join(want, "\n") || left != wantLeft {
			t.Fatalf("unexpected frames in %s mode for %q;\ngot  %q (left %d)\nwant %q (left %d)",
				name, data, got, left, want, wantLeft)
		}
	}
	p := Parser{Limits: lim}
	var req, again Request
	buf := data
	for len(buf) > 0 {
		n, err := p.Parse(buf, &req)
		if n > len(buf) {
			t.Fatalf("Parse consumed %d of %d bytes", n, len(buf))
		}
		if err == ErrIncomplete || err == ErrLineTooLong {
			return
		}
		if err == nil {
			checkRoundTrip(t, lim, buf[:n], &req, &again)
		}
		if req.Skip > 0 {
			return
		}
		buf = buf[n:]
	}
}

// checkRoundTrip re-encodes a parsed request and parses it again.
func checkRoundTrip(t *testing.T, lim Limits, frame []byte, req, again *Request) {
	enc := AppendRequest(nil, req)
	var p Parser
	p.Limits = lim
	n, err := p.Parse(enc, again)
	if err != nil || n != len(enc) || describe(req, 0, nil) != describe(again, 0, nil) {
		t.Fatalf("round trip of %q through %q; got %s, %v; want %s", frame, enc,
			describe(again, n, err), err, describe(req, len(enc), nil))
	}
	if !raceEnabled {
		allocs := testing.AllocsPerRun(1, func() {
			p.Parse(frame, again)
		})
		if allocs != 0 {
			t.Fatalf("re-parse of %q allocated %v times", frame, allocs)
		}
	}
}

func checkFuzzReplies(t *testing.T, lim Limits, data []byte, rng *rand.Rand) {
	if len(data) == 0 {
		return
	}
	cmd := Command(data[0]) % numCommands
	cmds := []Command{cmd, cmd, cmd, cmd}
	want, wantLeft := scanStream(lim, cmds, [][]byte{data[1:]})
	for name, chunks := range splitModes(data[1:], rng) {
		got, left := scanStream(lim, cmds, chunks)
		if strings.Join(got, "\n") != strings.Join(want, "\n") || left != wantLeft {
			t.Fatalf("unexpected replies to %v in %s mode for %q;\ngot  %q (left %d)\nwant %q (left %d)",
				cmd, name, data[1:], got, left, want, wantLeft)
		}
	}
	var s ReplyScanner
	s.Limits = lim
	if n, _, _ := s.Scan(data[1:], cmd); n > len(data)-1 {
		t.Fatalf("Scan consumed %d of %d bytes", n, len(data)-1)
	}
}
