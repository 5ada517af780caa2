package memcache

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestMemcachedMutations sends seeded mutations of valid requests (a token
// replaced, dropped or repeated, a data block one byte short or long) to
// memcached one at a time. Where the parser answers with errors, memcached
// must send exactly those replies; where the parser accepts one request,
// memcached must not find it malformed.
func TestMemcachedMutations(t *testing.T) {
	addr := startMemcached(t)
	rng := rand.New(rand.NewPCG(testSeed(), 6))
	var accepted, rejected int
	for i := 0; i < 400; i++ {
		input := mutate(rng, randomRequest(rng))
		var p Parser
		var req Request
		n, err := p.Parse(input, &req)
		if err == nil && n == len(input) {
			accepted++
			got, closed := exchange(t, addr, input)
			checkAccepted(t, input, &req, got, closed)
			continue
		}
		if !onlyErrors(input) {
			continue // incomplete, or errors mixed with requests whose replies depend on the data
		}
		rejected++
		want, wantClosed := expected(t, input)
		got, closed := exchange(t, addr, input)
		if string(got) != want || closed != wantClosed {
			t.Fatalf("unexpected reply of memcached to %.120q (-seed=%d);\ngot  %q (closed %v)\nwant %q (closed %v)",
				input, testSeed(), got, closed, want, wantClosed)
		}
	}
	t.Logf("%d accepted, %d rejected as memcached does", accepted, rejected)
	if accepted < 50 || rejected < 50 {
		t.Fatalf("too few cases of a kind: %d accepted, %d rejected (-seed=%d)", accepted, rejected, testSeed())
	}
}

// checkAccepted checks memcached's reply to a request the parser accepted.
func checkAccepted(t *testing.T, input []byte, req *Request, got []byte, closed bool) {
	t.Helper()
	if req.Quiet || req.Cmd == CmdMetaNoop {
		return // a reply may or may not come; mn ends every exchange
	}
	if req.NoReply {
		if len(got) != 0 || closed {
			t.Fatalf("reply %q to the noreply request %.120q (-seed=%d)", got, input, testSeed())
		}
		return
	}
	var s ReplyScanner
	n, st, err := s.Scan(got, req.Cmd)
	malformed := st == StatusError || bytes.HasPrefix(got, []byte("CLIENT_ERROR bad "))
	if err != nil || n != len(got) || closed || malformed {
		t.Fatalf("memcached refused %.120q, which the parser accepts (-seed=%d): %q (%v, %v)",
			input, testSeed(), got, st, err)
	}
}

// onlyErrors reports whether every frame of input is answered with an error
// and the connection stays open.
func onlyErrors(input []byte) bool {
	var p Parser
	var req Request
	for buf := input; len(buf) > 0; {
		n, err := p.Parse(buf, &req)
		e, ok := err.(*Error)
		if !ok {
			return false
		}
		if e.Fatal() {
			// A long line: memcached serves it when it arrives in one read,
			// the parser never does (see the package doc).
			return false
		}
		buf = buf[min(len(buf), n+req.Skip):]
	}
	return true
}

// mutate changes one thing in a request.
func mutate(rng *rand.Rand, req []byte) []byte {
	line, data, _ := bytes.Cut(req, []byte("\r\n"))
	toks := strings.Split(string(line), " ")
	garbage := []string{"", "-1", "abc", "+5", "0", "18446744073709551616", "2147483648", "noreply",
		strings.Repeat("k", 251), "1x", "q", "v"}
	i := rng.IntN(len(toks))
	switch rng.IntN(6) {
	case 0:
		toks[i] = garbage[rng.IntN(len(garbage))]
	case 1:
		toks = append(toks[:i], toks[i+1:]...)
	case 2:
		toks = append(toks[:i+1], toks[i:]...)
	case 3:
		toks = append(toks, garbage[rng.IntN(len(garbage))])
	case 4:
		if len(data) >= 2 {
			data = append(data[:len(data)-2:len(data)-2], "XY"...)
		}
	case 5:
		if len(data) > 0 {
			data = append([]byte("Z"), data...)
		}
	}
	out := []byte(strings.Join(toks, " ") + "\r\n")
	return append(out, data...)
}
