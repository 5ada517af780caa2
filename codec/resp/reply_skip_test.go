package resp

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// scanOrSkip scans every reply of input in one feeding mode; a refused
// reply is skipped and reported as "skip:<its length>", a scanned one as
// "<its length>".
func scanOrSkip(s *ReplyScanner, input []byte, sp splitter) ([]string, int, error) {
	var out []string
	skipped := 0
	left, err := feed(input, sp, func(buf []byte) (int, error) {
		if !s.Skipping() {
			n, err := s.Scan(buf)
			if err == nil {
				out = append(out, fmt.Sprint(n))
			}
			if err != ErrReplyTooLarge {
				return n, err
			}
			skipped = 0
		}
		n, done, err := s.Skip(buf)
		if err != nil {
			return 0, err
		}
		skipped += n
		if done {
			out = append(out, fmt.Sprint("skip:", skipped))
		}
		if n == 0 {
			if done {
				return 0, fmt.Errorf("done after 0 bytes")
			}
			return 0, ErrIncomplete
		}
		return n, nil
	})
	return out, left, err
}

// TestScanDeep: nesting depth has no limit; Redis's Lua recursion reaches
// about 8,000 levels.
func TestScanDeep(t *testing.T) {
	seed := testSeed(t)
	f := func(name string, replies ...string) {
		t.Helper()
		var want []string
		for _, r := range replies {
			want = append(want, fmt.Sprint(len(r)))
		}
		input := []byte(strings.Join(replies, ""))
		for _, sp := range splitters(seed) {
			var s ReplyScanner
			got, left, err := scanOrSkip(&s, input, sp)
			if err != nil || left != 0 || !slices.Equal(got, want) {
				t.Fatalf("%s, %s: unexpected scan; got %v, %v, left %d; want %v", name, sp.name, got, err, left, want)
			}
		}
	}
	f("1025 levels", strings.Repeat("*1\r\n", 1025)+":1\r\n", ":2\r\n")
	f("lua {a, 1}", strings.Repeat("*2\r\n", 7995)+"-ERR reached lua stack limit\r\n"+strings.Repeat(":1\r\n", 7995), "+PONG\r\n")
	f("100000 levels", strings.Repeat("*1\r\n", 100000)+"$-1\r\n")
	f("maps", strings.Repeat("%1\r\n+k\r\n", 3000)+"_\r\n", strings.Repeat("~1\r\n>1\r\n", 2000)+"#t\r\n")
	f("attributes", strings.Repeat("|1\r\n+k\r\n*1\r\n", 2000)+":1\r\n"+strings.Repeat(":2\r\n", 2000))
	f("wide", "*100000\r\n"+strings.Repeat("$1\r\nx\r\n", 100000))
}

// TestScanTooLarge: a valid reply over the limits is refused with
// ErrReplyTooLarge and skipped exactly, in every feeding mode; the replies
// around it scan as usual.
func TestScanTooLarge(t *testing.T) {
	seed := testSeed(t)
	lim := Limits{MaxBulk: 8}
	f := func(want []string, replies ...string) {
		t.Helper()
		input := []byte(strings.Join(replies, ""))
		for _, sp := range splitters(seed) {
			s := ReplyScanner{Limits: lim}
			got, left, err := scanOrSkip(&s, input, sp)
			if err != nil || left != 0 || !slices.Equal(got, want) {
				t.Fatalf("%s: unexpected scan of %.60q; got %v, %v, left %d; want %v", sp.name, input, got, err, left, want)
			}
			if s.Skipping() {
				t.Fatalf("%s: still skipping after %.60q", sp.name, input)
			}
		}
	}
	big := "$20\r\n" + strings.Repeat("b", 20) + "\r\n"
	f([]string{"5", "skip:27", "4"}, "+OK\r\n", big, ":1\r\n")
	f([]string{"skip:27"}, big)
	f([]string{"skip:44"}, "*3\r\n:1\r\n"+big+"$3\r\nabc\r\n")
	f([]string{"skip:" + fmt.Sprint(8*4+27)}, strings.Repeat("*1\r\n", 8)+big)
	f([]string{"skip:58", "7"}, "*2\r\n"+big+big, "+PONG\r\n")
	long := "+" + strings.Repeat("s", 30) + "\r\n"
	f([]string{"skip:33", "4"}, long, ":2\r\n")
	f([]string{"skip:40", "4"}, "%1\r\n"+long+"_\r\n", ":2\r\n")
	f([]string{"skip:41"}, "*2\r\n,"+strings.Repeat("9", 30)+"\r\n:1\r\n")
	f([]string{"skip:27", "4", "skip:27"}, "!20\r\n"+strings.Repeat("e", 20)+"\r\n"+":1\r\n", big)
}

func TestSkipErrors(t *testing.T) {
	seed := testSeed(t)
	f := func(input string, want *ProtocolError) {
		t.Helper()
		for _, sp := range splitters(seed) {
			s := ReplyScanner{Limits: Limits{MaxBulk: 4}}
			_, _, err := scanOrSkip(&s, []byte(input), sp)
			if err != want {
				t.Fatalf("%s: unexpected error for %.60q; got %v; want %v", sp.name, input, err, want)
			}
			if s.Skipping() {
				t.Fatalf("%s: still skipping after an error", sp.name)
			}
		}
	}
	f("$5\r\nabcdeXY", errReplyLine)
	f("*2\r\n$5\r\nabcde\r\nx\r\n", errReplyType)
	f("*2\r\n$5\r\nabcde\r\n:"+strings.Repeat("1", 70), errReplyLine)
	f("*2\r\n$5\r\nabcde\r\n$-7\r\n", errReplyLength)
	f("+abcdef\rX", errReplyLine)

	var s ReplyScanner
	if n, done, err := s.Skip([]byte("+OK\r\n")); n != 0 || !done || err != nil {
		t.Fatalf("unexpected Skip without a refused reply; got %d, %v, %v", n, done, err)
	}
}
