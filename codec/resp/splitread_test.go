package resp

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// Split-read harness: every parser test feeds its input whole, one byte at
// a time, and in random pieces, and every mode must give the same result.
// Small pending buffers are copied afresh for every call, so a parser that
// kept slices of an old buffer is caught (large ones are only appended to,
// to keep one-byte feeding linear).

var seedFlag = flag.Uint64("seed", 0, "seed for random split points (0: from the clock)")

// testSeed returns the seed to use and logs it when the test fails.
func testSeed(t testing.TB) uint64 {
	t.Helper()
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("random split seed: -seed=%d", seed)
		}
	})
	return seed
}

// splitter yields chunk sizes for one feeding mode.
type splitter struct {
	name string
	next func(left int) int
}

func splitters(seed uint64) []splitter {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return []splitter{
		{"whole", func(left int) int { return left }},
		{"bytes", func(int) int { return 1 }},
		{"random", func(left int) int { return 1 + rng.IntN(min(left, 16)) }},
		{"random-large", func(left int) int { return 1 + rng.IntN(left) }},
	}
}

// feed runs step over input delivered in pieces. step gets the pending
// bytes and returns bytes consumed, ErrIncomplete
// or another error, which stops feeding. It returns the number of bytes
// never consumed and the error.
func feed(input []byte, sp splitter, step func(buf []byte) (int, error)) (int, error) {
	var pending []byte
	off := 0
	for {
		if off < len(input) {
			n := sp.next(len(input) - off)
			if len(pending) < 1024 {
				// A fresh array: a parser holding on to old slices shows.
				pending = append([]byte(nil), pending...)
			}
			pending = append(pending, input[off:off+n]...)
			off += n
		}
		for len(pending) > 0 {
			n, err := step(pending)
			if err == ErrIncomplete {
				if n != 0 {
					panic("BUG: ErrIncomplete with n != 0")
				}
				break
			}
			if err != nil {
				return len(pending), err
			}
			if n <= 0 || n > len(pending) {
				return len(pending), fmt.Errorf("consumed %d of %d bytes", n, len(pending))
			}
			pending = append([]byte(nil), pending[n:]...)
		}
		if off == len(input) {
			return len(pending), nil
		}
	}
}

// parseRequests parses every request of input in one feeding mode and
// returns them printed, one string per request, the bytes never consumed
// and the error if any.
func parseRequests(p *Parser, input []byte, sp splitter) ([]string, int, error) {
	var out []string
	var req Request
	left, err := feed(input, sp, func(buf []byte) (int, error) {
		n, err := p.Parse(buf, &req)
		if err == nil {
			out = append(out, showRequest(&req))
		}
		return n, err
	})
	return out, left, err
}

func showRequest(r *Request) string {
	s := ""
	if r.Inline {
		s = "inline:"
	}
	s += fmt.Sprintf("%q", r.Args)
	if r.Cmd != nil {
		s += " " + r.Cmd.Name
	}
	return s
}
