package memcache

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

var seedFlag = flag.Uint64("seed", 0, "seed of the random split points (0: from the clock)")

// testSeed returns the seed of the random split points, from -seed or the
// clock, the same for the whole run; failures print it.
var testSeed = sync.OnceValue(func() uint64 {
	if *seedFlag != 0 {
		return *seedFlag
	}
	return uint64(time.Now().UnixNano())
})

// splitModes returns the chunkings every parser test runs with: the whole
// input, one byte at a time, and random split points.
func splitModes(input []byte, rng *rand.Rand) map[string][][]byte {
	modes := map[string][][]byte{"whole": {input}}
	var bytewise [][]byte
	for i := range input {
		bytewise = append(bytewise, input[i:i+1])
	}
	modes["bytewise"] = bytewise
	var random [][]byte
	for rest := input; len(rest) > 0; {
		n := 1 + rng.IntN(min(len(rest), 1+len(input)/3))
		random = append(random, rest[:n])
		rest = rest[n:]
	}
	modes["random"] = random
	return modes
}

// describe renders a parse result so results can be compared as strings.
func describe(r *Request, n int, err error) string {
	var b strings.Builder
	if err != nil {
		fmt.Fprintf(&b, "err=%q ", err.Error())
	}
	fmt.Fprintf(&b, "n=%d %s", n, r.Cmd)
	if len(r.Keys) > 0 {
		fmt.Fprintf(&b, " keys=%q", r.Keys)
	}
	if r.Flags != 0 || r.Exptime != 0 || r.Bytes != 0 || r.Cas != 0 || r.Delta != 0 {
		fmt.Fprintf(&b, " f=%d e=%d b=%d c=%d d=%d", r.Flags, r.Exptime, r.Bytes, r.Cas, r.Delta)
	}
	if r.NoReply {
		b.WriteString(" noreply")
	}
	if r.Quiet {
		b.WriteString(" quiet")
	}
	if r.Base64 {
		b.WriteString(" base64")
	}
	if r.Value != nil {
		fmt.Fprintf(&b, " value=%q", r.Value)
	}
	if r.Skip != 0 {
		fmt.Fprintf(&b, " skip=%d", r.Skip)
	}
	return b.String()
}

// parseStream feeds chunks to a Parser the way a connection would: bytes
// accumulate, every complete frame is consumed, Skip bytes are discarded,
// and a fatal error ends the stream. It returns one description per frame
// and the bytes left unconsumed (-1 once the connection is closed).
func parseStream(lim Limits, chunks [][]byte) (out []string, left int) {
	p := Parser{Limits: lim}
	var buf []byte
	var req Request
	skip := 0
	for _, c := range chunks {
		buf = append(buf, c...)
		for {
			if skip > 0 {
				d := min(skip, len(buf))
				buf, skip = buf[d:], skip-d
				if skip > 0 {
					break
				}
			}
			n, err := p.Parse(buf, &req)
			if err == ErrIncomplete {
				if n != 0 {
					panic("BUG: ErrIncomplete with n > 0")
				}
				break
			}
			out = append(out, describe(&req, n, err))
			if e, ok := err.(*Error); ok && e.Fatal() {
				return out, -1 // connection closed
			}
			buf, skip = buf[n:], req.Skip
		}
	}
	return out, len(buf) + skip
}

// checkSplitRead parses input in every split mode and fails unless all modes
// give the same frames; it returns those of the whole input.
func checkSplitRead(t testing.TB, lim Limits, input []byte) ([]string, int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(testSeed(), 1))
	want, wantLeft := parseStream(lim, [][]byte{input})
	for name, chunks := range splitModes(input, rng) {
		got, left := parseStream(lim, chunks)
		if strings.Join(got, "\n") != strings.Join(want, "\n") || left != wantLeft {
			t.Fatalf("unexpected frames in %s mode (-seed=%d) for %.200q;\ngot  %.2000q (left %d)\nwant %.2000q (left %d)",
				name, testSeed(), input, got, left, want, wantLeft)
		}
	}
	return want, wantLeft
}
