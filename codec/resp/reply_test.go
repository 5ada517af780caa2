package resp

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// scanReplies scans every reply of input in one feeding mode and returns
// their lengths.
func scanReplies(s *ReplyScanner, input []byte, sp splitter) ([]int, int, error) {
	var lens []int
	left, err := feed(input, sp, func(buf []byte) (int, error) {
		n, err := s.Scan(buf)
		if err == nil {
			lens = append(lens, n)
		}
		return n, err
	})
	return lens, left, err
}

func TestScanReplies(t *testing.T) {
	seed := testSeed(t)
	// f takes the replies one by one; they are scanned concatenated.
	f := func(replies ...string) {
		t.Helper()
		var want []int
		for _, r := range replies {
			want = append(want, len(r))
		}
		input := strings.Join(replies, "")
		for _, sp := range splitters(seed) {
			var s ReplyScanner
			got, left, err := scanReplies(&s, []byte(input), sp)
			if err != nil || left != 0 || !slices.Equal(got, want) {
				t.Fatalf("%s: unexpected scan of %q; got %v, %v, left %d; want %v", sp.name, input, got, err, left, want)
			}
		}
	}
	f("+OK\r\n")
	f("-ERR unknown command 'x'\r\n", ":0\r\n", ":-12345\r\n")
	f("$3\r\nfoo\r\n", "$0\r\n\r\n", "$-1\r\n", "$4\r\na\r\nb\r\n")
	f("*-1\r\n", "*0\r\n", "*2\r\n$1\r\na\r\n$-1\r\n")
	f("*3\r\n:1\r\n*2\r\n+a\r\n*1\r\n$1\r\nx\r\n-ERR e\r\n")
	f("*2\r\n*0\r\n*-1\r\n")
	f(strings.Repeat("*1\r\n", 1024) + ":1\r\n")
	// RESP3.
	f("_\r\n", ",3.14\r\n", "#t\r\n", "(12345678901234567890\r\n")
	f("!5\r\nERR x\r\n", "=7\r\ntxt:abc\r\n")
	f("%2\r\n+a\r\n:1\r\n+b\r\n*1\r\n:2\r\n", "~2\r\n+a\r\n+b\r\n", ">2\r\n+message\r\n+x\r\n")
	f("%0\r\n", "~0\r\n")
	// An attribute precedes the value it annotates.
	f("|1\r\n+key\r\n+val\r\n:5\r\n")
	f("*2\r\n|1\r\n+k\r\n+v\r\n:1\r\n:2\r\n")
	f("|0\r\n+OK\r\n")
}

func TestScanErrors(t *testing.T) {
	seed := testSeed(t)
	f := func(lim Limits, input string, want *ProtocolError) {
		t.Helper()
		for _, sp := range splitters(seed) {
			s := ReplyScanner{Limits: lim}
			_, _, err := scanReplies(&s, []byte(input), sp)
			if err != want || !errors.Is(err, ErrProtocol) {
				t.Fatalf("%s: unexpected error for %.40q; got %v; want %v", sp.name, input, err, want)
			}
		}
	}
	var d Limits
	f(d, "x\r\n", errReplyType)
	f(d, "\r\n", errReplyType)
	f(d, "+OK\rX", errReplyLine)
	f(d, "$3\r\nfooXX", errReplyLine)
	f(d, ":x\r\n", errReplyInteger)
	f(d, ":\r\n", errReplyInteger)
	f(d, "$-2\r\n", errReplyLength)
	f(d, "$x\r\n", errReplyLength)
	f(d, "!-1\r\n", errReplyLength)
	f(d, "*-2\r\n", errReplyLength)
	f(d, "~-1\r\n", errReplyLength)
	f(d, "*?\r\n", errReplyLength)
	f(d, "*10000000000000000\r\n", errReplyLength)
	f(Limits{MaxBulk: 2}, "*333\r\n", errReplyLine) // a header longer than any value
	f(Limits{MaxBulk: 2}, "*1\r\n:123\r\n", errReplyLine)
	f(d, "*1099511627777\r\n", errReplyLength)
	f(d, strings.Repeat("*1099511627776\r\n", 1100), errReplyLength) // owes more than 1<<50
}

func TestScanResumeState(t *testing.T) {
	var s ReplyScanner
	in := []byte("*2\r\n$5\r\nab")
	if _, err := s.Scan(in); err != ErrIncomplete {
		t.Fatalf("unexpected error; got %v", err)
	}
	if !s.inBulk || s.pos != 8 || s.bulk != 5 || s.left != 1 {
		t.Fatalf("unexpected state; got %+v", s)
	}
	in = append(in, "cde\r\n+OK\r\n"...)
	if n, err := s.Scan(in); err != nil || n != len(in) {
		t.Fatalf("unexpected result; got %d, %v; want %d", n, err, len(in))
	}
}

func TestArrayReader(t *testing.T) {
	f := func(reply string, want ...string) {
		t.Helper()
		var a ArrayReader
		if err := a.Reset([]byte(reply)); err != nil {
			t.Fatalf("unexpected error for %q; got %v", reply, err)
		}
		var got []string
		for {
			e, err := a.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("unexpected error for %q; got %v", reply, err)
			}
			got = append(got, string(e))
		}
		if !slices.Equal(got, want) || a.Len() >= 0 && a.Len() != len(want) {
			t.Fatalf("unexpected elements of %q; got %q; want %q", reply, got, want)
		}
	}
	f("*0\r\n")
	f("*-1\r\n")
	f("*3\r\n$1\r\na\r\n$-1\r\n:7\r\n", "$1\r\na\r\n", "$-1\r\n", ":7\r\n")
	f("*2\r\n*2\r\n:1\r\n:2\r\n+x\r\n", "*2\r\n:1\r\n:2\r\n", "+x\r\n")
	f("%1\r\n+k\r\n+v\r\n", "+k\r\n", "+v\r\n")

	bad := func(reply string) {
		t.Helper()
		var a ArrayReader
		if err := a.Reset([]byte(reply)); err != nil {
			return
		}
		for {
			_, err := a.Next()
			if err == io.EOF {
				t.Fatalf("unexpected success for %q", reply)
			}
			if err != nil {
				return
			}
		}
	}
	bad("")
	bad("+OK\r\n")
	bad("*2\r\n:1\r\n")
	bad("*1\r\n:x\r\n")
	bad("*1")
	bad("~-1\r\n")
}
