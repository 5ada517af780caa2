package dnode_test

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/dnode"
)

var seed = flag.Uint64("seed", 0, "seed for random split tests (0: from the clock)")

type frame struct {
	h       dnode.Header
	payload []byte
}

// makeStream returns frames with exact payload lengths, separated by
// garbage (letters, digits and CRLF; no '$' or ' ', so every garbage byte is
// reported as skipped) and by broken candidates that must be resynchronised
// over. It returns the stream, the frames and the number of skipped bytes.
func makeStream(rng *rand.Rand, nframes int) ([]byte, []frame, int) {
	broken := []string{
		"$2014$ 9 3 0 1 1 X",      // letter where a number goes
		"$2014$ 9 3 0 1 1 *1 d *", // '*' without a length, then the next frame's spaces
		"$2014$x",                 // no space after magic
		"$201",                    // partial magic
		"$2014$ 1 3 0 1 1 *1 d *0\n",
	}
	const garbageChars = "abcXYZ0123456789\r\n*"
	var stream []byte
	var frames []frame
	skipped := 0
	for i := range nframes {
		switch rng.IntN(4) {
		case 0:
			g := make([]byte, 1+rng.IntN(20))
			for k := range g {
				g[k] = garbageChars[rng.IntN(len(garbageChars))]
			}
			stream = append(stream, g...)
			skipped += len(g)
		case 1:
			b := broken[rng.IntN(len(broken))]
			stream = append(stream, b...)
			skipped += len(b)
		}
		payload := make([]byte, rng.IntN(64))
		for k := range payload {
			payload[k] = byte(rng.Uint32()) // anything, including "$2014$" by chance
		}
		h := dnode.Plain(uint64(i)*7919, dnode.Type(3+rng.IntN(3)), rng.IntN(2) == 0, uint32(len(payload)))
		if rng.IntN(3) == 0 {
			h.Flags = dnode.FlagEncrypted
			h.Data = make([]byte, 128)
			for k := range h.Data {
				h.Data[k] = byte(rng.Uint32())
			}
		}
		stream = dnode.AppendHeader(stream, h)
		stream = append(stream, payload...)
		frames = append(frames, frame{h, payload})
	}
	return stream, frames, skipped
}

// readAll feeds stream to a parser in the given chunk sizes, the way a
// connection's read loop would: append, parse, drop what was consumed.
func readAll(t *testing.T, stream []byte, chunks []int) ([]frame, int) {
	t.Helper()
	var p dnode.Parser
	var buf []byte
	var frames []frame
	skipped := 0
	for _, size := range chunks {
		buf = append(buf, stream[:size]...)
		stream = stream[size:]
		for {
			var h dnode.Header
			s, n, err := p.Parse(buf, &h)
			if errors.Is(err, dnode.ErrIncomplete) {
				skipped += s
				buf = append(buf[:0], buf[s:]...)
				break
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			end := s + n + int(h.PayloadLen)
			if len(buf) < end {
				break // payload not there yet; the header is parsed again
			}
			h.Data = bytes.Clone(h.Data)
			frames = append(frames, frame{h, bytes.Clone(buf[s+n : end])})
			skipped += s
			buf = append(buf[:0], buf[end:]...)
		}
	}
	if len(buf) != 0 {
		t.Fatalf("unexpected leftover %q", buf)
	}
	return frames, skipped
}

func checkFrames(t *testing.T, mode string, got []frame, gotSkipped int, want []frame, wantSkipped int) {
	t.Helper()
	if len(got) != len(want) || gotSkipped != wantSkipped {
		t.Fatalf("%s: unexpected result; got %d frames, %d skipped; want %d frames, %d skipped",
			mode, len(got), gotSkipped, len(want), wantSkipped)
	}
	for i := range want {
		if !equalHeader(got[i].h, want[i].h) || !bytes.Equal(got[i].payload, want[i].payload) {
			t.Fatalf("%s: unexpected frame %d; got %+v; want %+v", mode, i, got[i], want[i])
		}
	}
}

// Whole buffer, one byte at a time and random split points must all give
// the same frames and the same count of skipped bytes.
func TestSplitReads(t *testing.T) {
	s := *seed
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -seed %d)", s, s)
	rng := rand.New(rand.NewPCG(s, s^0x5eed))
	for round := range 20 {
		stream, want, wantSkipped := makeStream(rng, 1+rng.IntN(30))

		got, skipped := readAll(t, stream, []int{len(stream)})
		checkFrames(t, "whole", got, skipped, want, wantSkipped)

		ones := make([]int, len(stream))
		for i := range ones {
			ones[i] = 1
		}
		got, skipped = readAll(t, stream, ones)
		checkFrames(t, "byte by byte", got, skipped, want, wantSkipped)

		var chunks []int
		for rest := len(stream); rest > 0; {
			c := min(rest, 1+rng.IntN(40))
			chunks = append(chunks, c)
			rest -= c
		}
		got, skipped = readAll(t, stream, chunks)
		checkFrames(t, "random splits", got, skipped, want, wantSkipped)
		if t.Failed() {
			t.Fatalf("round %d, seed %d", round, s)
		}
	}
}
