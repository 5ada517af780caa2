package resp

import (
	"errors"
	"hash/fnv"
	"slices"
	"strings"
	"testing"
)

// Fuzz targets. Run one with:
//
//	go test -run '^$' -fuzz '^FuzzRESPRequest$' -fuzztime 30s ./codec/resp
//
// Each checks: no panic, consumed <= len(input), the same frames and error
// whole / one byte at a time / in random pieces, a parse -> encode -> parse
// round trip, and no allocation when accepted input is parsed again.

var requestSeeds = []string{
	"*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n",
	"*3\r\n$3\r\nset\r\n$1\r\nk\r\n$5\r\na\r\nb\x00\r\n",
	"ping\r\nPING\n\r\n\r\n*0\r\n*-1\r\n",
	"echo \"a\\x41\\n\" 'b\\'c' a\"b c\"\r\n",
	"*1\r\n$4\r\npingXX*1\r\n$4\r\nping\r\n",
	"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
	"*1000000000\r\n", "*1\r\n$1000000000000\r\n", "*1x\r\n", "echo \"ab\r\n",
	"*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$1\r\n*\r\n",
	"*4\r\n$4\r\nMGET\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
}

func FuzzRESPRequest(f *testing.F) {
	for _, s := range requestSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxBulk: 1 << 20, MaxArgs: 1 << 10, MaxInline: 1 << 10}
		var want []string
		var wantErr error
		for i, sp := range splitters(seedOf(data)) {
			p := Parser{Limits: lim}
			got, left, err := parseRequests(&p, data, sp)
			if left > len(data) {
				t.Fatalf("%s: consumed more than the input", sp.name)
			}
			if err != nil && !errors.Is(err, ErrProtocol) {
				t.Fatalf("%s: unexpected error %v", sp.name, err)
			}
			if i == 0 {
				want, wantErr = got, err
				continue
			}
			if !slices.Equal(got, want) || err != wantErr {
				t.Fatalf("%s: split read differs;\ngot  %q %v\nwant %q %v", sp.name, got, err, want, wantErr)
			}
		}
		roundTripRequests(t, data, lim)
	})
}

// roundTripRequests re-encodes every accepted request and parses it again.
func roundTripRequests(t *testing.T, data []byte, lim Limits) {
	p := Parser{Limits: lim}
	var r, r2 Request
	for len(data) > 0 {
		n, err := p.Parse(data, &r)
		if err != nil {
			return
		}
		if n > len(data) {
			t.Fatalf("consumed %d of %d bytes", n, len(data))
		}
		frame := data[:n]
		enc := AppendCommand(nil, r.Args...)
		var p2 Parser
		if m, err := p2.Parse(enc, &r2); err != nil || m != len(enc) || r2.Inline {
			t.Fatalf("cannot re-parse %q: %d %v", enc, m, err)
		}
		if !slices.EqualFunc(r.Args, r2.Args, func(a, b []byte) bool { return string(a) == string(b) }) || r.Cmd != r2.Cmd {
			t.Fatalf("round trip differs; got %q; want %q", r2.Args, r.Args)
		}
		if !raceEnabled {
			allocs := testing.AllocsPerRun(1, func() { p2.Parse(frame, &r2) })
			if allocs != 0 {
				t.Fatalf("re-parse of %q allocates %v times", frame, allocs)
			}
		}
		data = data[n:]
	}
}

var replySeeds = []string{
	"+OK\r\n", "-ERR x\r\n", ":-5\r\n", "$3\r\nfoo\r\n", "$-1\r\n", "*-1\r\n", "*0\r\n",
	"*3\r\n:1\r\n*2\r\n+a\r\n*1\r\n$1\r\nx\r\n-ERR e\r\n",
	"%1\r\n+k\r\n~2\r\n_\r\n#t\r\n", "|1\r\n+a\r\n+b\r\n>1\r\n,1.5\r\n",
	"!3\r\nERR\r\n=5\r\ntxt:a\r\n(123\r\n",
	"$3\r\nfooXX", "*1\r\n*1\r\n*1\r\n:1\r\n",
}

func FuzzRESPReply(f *testing.F) {
	for _, s := range replySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxBulk: 1 << 20}
		var want []int
		var wantErr error
		for i, sp := range splitters(seedOf(data)) {
			s := ReplyScanner{Limits: lim}
			got, left, err := scanReplies(&s, data, sp)
			if left > len(data) {
				t.Fatalf("%s: consumed more than the input", sp.name)
			}
			if err != nil && !errors.Is(err, ErrProtocol) && err != ErrReplyTooLarge {
				t.Fatalf("%s: unexpected error %v", sp.name, err)
			}
			if i == 0 {
				want, wantErr = got, err
				continue
			}
			if !slices.Equal(got, want) || err != wantErr {
				t.Fatalf("%s: split read differs; got %v %v; want %v %v", sp.name, got, err, want, wantErr)
			}
		}
		checkSkip(t, data)
		for _, n := range want {
			reply := data[:n]
			if enc := reencode(t, nil, reply); string(enc) != string(reply) {
				t.Fatalf("round trip differs;\ngot  %q\nwant %q", enc, reply)
			}
			var s ReplyScanner
			s.Limits = lim
			if m, err := s.Scan(reply); m != n || err != nil {
				t.Fatalf("re-scan gives %d %v; want %d", m, err, n)
			}
			if !raceEnabled {
				if allocs := testing.AllocsPerRun(1, func() { s.Scan(reply) }); allocs != 0 {
					t.Fatalf("re-scan of %q allocates %v times", reply, allocs)
				}
			}
			data = data[n:]
		}
	})
}

// checkSkip scans data with a small MaxBulk, so that bulks and lines over
// it are refused and skipped, and checks that every feeding mode gives the
// same replies, skips and error.
func checkSkip(t *testing.T, data []byte) {
	var want []string
	var wantErr error
	for i, sp := range splitters(seedOf(data)) {
		s := ReplyScanner{Limits: Limits{MaxBulk: 8}}
		got, left, err := scanOrSkip(&s, data, sp)
		if left > len(data) {
			t.Fatalf("%s: skip consumed more than the input", sp.name)
		}
		if err != nil && !errors.Is(err, ErrProtocol) {
			t.Fatalf("%s: unexpected skip error %v", sp.name, err)
		}
		if i == 0 {
			want, wantErr = got, err
			continue
		}
		if !slices.Equal(got, want) || err != wantErr {
			t.Fatalf("%s: split skip differs; got %v %v; want %v %v", sp.name, got, err, want, wantErr)
		}
	}
}

// reencode decodes one complete reply and encodes it again with the
// package's encoders (RESP3 scalars are copied as they are).
func reencode(t *testing.T, dst, reply []byte) []byte {
	body := func() []byte { return reply[1 : len(reply)-2] }
	if strings.ContainsAny(string(body()), "\r\n") && (reply[0] == '+' || reply[0] == '-') {
		// The scanner passes a stray LF inside a status line through; the
		// encoders would make it a space.
		return append(dst, reply...)
	}
	switch reply[0] {
	case '+':
		return AppendSimple(dst, string(body()))
	case '-':
		return AppendError(dst, string(body()))
	case ':':
		n, ok := parseInt(body())
		if !ok {
			t.Fatalf("bad integer %q", reply)
		}
		return AppendInt(dst, n)
	case '$':
		if string(reply) == "$-1\r\n" {
			return AppendNullBulk(dst)
		}
		i := strings.IndexByte(string(reply), '\n')
		return AppendBulk(dst, reply[i+1:len(reply)-2])
	case '*':
		var a ArrayReader
		if err := a.Reset(reply); err != nil {
			t.Fatalf("cannot read %q: %v", reply, err)
		}
		dst = AppendArray(dst, a.Len())
		for {
			e, err := a.Next()
			if err != nil {
				break
			}
			dst = reencode(t, dst, e)
		}
		return dst
	}
	return append(dst, reply...)
}

// seedOf derives the random split points from the input, so a failure
// replays exactly.
func seedOf(data []byte) uint64 {
	h := fnv.New64a()
	h.Write(data)
	return h.Sum64()
}
