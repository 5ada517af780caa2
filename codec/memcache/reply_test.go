package memcache

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// scanStream feeds chunks to a ReplyScanner, the i-th reply being scanned as
// the answer to cmds[i]. It returns one "n=<len> <status>" per reply, or the
// error that ended the stream, and the bytes left.
func scanStream(lim Limits, cmds []Command, chunks [][]byte) (out []string, left int) {
	s := ReplyScanner{Limits: lim}
	var buf []byte
	for _, c := range chunks {
		buf = append(buf, c...)
		for len(out) < len(cmds) && len(buf) > 0 {
			n, st, err := s.Scan(buf, cmds[len(out)])
			if err == ErrIncomplete {
				break
			}
			if err != nil {
				return append(out, "err="+err.Error()), -1
			}
			out = append(out, fmt.Sprintf("n=%d %s", n, st))
			buf = buf[n:]
		}
	}
	return out, len(buf)
}

// checkScan scans input in every split mode and checks the replies.
func checkScan(t *testing.T, lim Limits, cmds []Command, input string, want ...string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(testSeed(), 2))
	for name, chunks := range splitModes([]byte(input), rng) {
		got, left := scanStream(lim, cmds, chunks)
		if left > 0 {
			got = append(got, fmt.Sprintf("left=%d", left))
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("unexpected replies in %s mode (-seed=%d) to %v for %.200q;\ngot  %q\nwant %q",
				name, testSeed(), cmds, input, got, want)
		}
	}
}

func TestScanRetrieval(t *testing.T) {
	f := func(input string, want ...string) {
		t.Helper()
		cmds := make([]Command, len(want))
		for i := range cmds {
			cmds[i] = CmdGet
		}
		checkScan(t, Limits{}, cmds, input, want...)
	}
	f("END\r\n", "n=5 END")
	f("VALUE a 0 3\r\nabc\r\nEND\r\n", "n=23 END")
	f("VALUE a 0 3 7\r\nabc\r\nVALUE b 5 0 8\r\n\r\nEND\r\n", "n=42 END")
	f("VALUE a 0 5\r\nEND\r\n\r\nEND\r\n", "n=25 END") // a value that looks like END
	f("VALUE a 0 3\r\nabc\r\nEND\r\nEND\r\n", "n=23 END", "n=5 END")
	f("SERVER_ERROR out of memory\r\n", "n=28 SERVER_ERROR")
	f("VALUE a 0 3\r\nabc\r\nSERVER_ERROR out of memory\r\n", "n=46 SERVER_ERROR")
	f("ERROR\r\n", "n=7 ERROR")
	f("CLIENT_ERROR bad command line format\r\n", "n=38 CLIENT_ERROR")
	f("STORED\r\n", "err=memcache: malformed reply")
	f("VALUE a 0 3\r\nabcd\r\nEND\r\n", "err=memcache: malformed reply")
	f("VALUE a 0 x\r\nabc\r\nEND\r\n", "err=memcache: malformed reply")
	f("VALUE a 0 -1\r\n\r\nEND\r\n", "err=memcache: malformed reply")
	f("VALUE a 0 1048577\r\n", "err=memcache: malformed reply")
	f("VALUE a 0 10\r\nabc", "left=17")
	f(strings.Repeat("x", 3000), "err=memcache: malformed reply")
	checkScan(t, Limits{MaxValue: 5000}, []Command{CmdGets},
		"VALUE a 0 5000 5\r\n"+strings.Repeat("v", 5000)+"\r\nEND\r\n", "n=5025 END")
	checkScan(t, Limits{}, []Command{CmdGat, CmdGats}, "END\r\nVALUE a 1 1 2\r\nx\r\nEND\r\n", "n=5 END", "n=23 END")
}

func TestScanLine(t *testing.T) {
	f := func(cmd Command, input string, want ...string) {
		t.Helper()
		checkScan(t, Limits{}, []Command{cmd}, input, want...)
	}
	for _, c := range []Command{CmdSet, CmdAdd, CmdReplace, CmdAppend, CmdPrepend, CmdCas} {
		f(c, "STORED\r\n", "n=8 STORED")
		f(c, "NOT_STORED\r\n", "n=12 NOT_STORED")
		f(c, "EXISTS\r\n", "n=8 EXISTS")
		f(c, "NOT_FOUND\r\n", "n=11 NOT_FOUND")
		f(c, "SERVER_ERROR object too large for cache\r\n", "n=41 SERVER_ERROR")
		f(c, "DELETED\r\n", "err=memcache: malformed reply")
		f(c, "END\r\n", "err=memcache: malformed reply")
	}
	f(CmdIncr, "12\r\n", "n=4 number")
	f(CmdDecr, "9 \r\n", "n=4 number")
	f(CmdIncr, "NOT_FOUND\r\n", "n=11 NOT_FOUND")
	f(CmdIncr, "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n", "n=62 CLIENT_ERROR")
	f(CmdIncr, "12x\r\n", "err=memcache: malformed reply")
	f(CmdIncr, "STORED\r\n", "err=memcache: malformed reply")
	f(CmdDelete, "DELETED\r\n", "n=9 DELETED")
	f(CmdDelete, "NOT_FOUND\r\n", "n=11 NOT_FOUND")
	f(CmdTouch, "TOUCHED\r\n", "n=9 TOUCHED")
	f(CmdVersion, "VERSION 1.6.18\r\n", "n=16 VERSION")
	f(CmdVerbosity, "OK\r\n", "n=4 OK")
	f(CmdQuit, "OK\r\n", "err=memcache: malformed reply")
	f(CmdUnknown, "ERROR\r\n", "err=memcache: malformed reply")
	f(CmdSet, "STORED\n", "n=7 STORED")
	f(CmdSet, "STORED", "left=6")
	f(CmdSet, "\r\n", "err=memcache: malformed reply")
	f(CmdSet, " STORED\r\n", "err=memcache: malformed reply")
	f(CmdIncr, " \n", "err=memcache: malformed reply")
}

func TestScanMeta(t *testing.T) {
	f := func(cmd Command, input string, want ...string) {
		t.Helper()
		checkScan(t, Limits{}, []Command{cmd}, input, want...)
	}
	f(CmdMetaGet, "VA 1 kn c6 f0 t6 s1 O123\r\n0\r\n", "n=29 VA")
	f(CmdMetaGet, "VA 0\r\n\r\n", "n=8 VA")
	f(CmdMetaGet, "HD\r\n", "n=4 HD")
	f(CmdMetaGet, "EN\r\n", "n=4 EN")
	f(CmdMetaGet, "EN kzz2\r\n", "n=9 EN")
	f(CmdMetaSet, "HD c8\r\n", "n=7 HD")
	f(CmdMetaSet, "NS\r\n", "n=4 NS")
	f(CmdMetaSet, "EX\r\n", "n=4 EX")
	f(CmdMetaDelete, "NF\r\n", "n=4 NF")
	f(CmdMetaArith, "VA 2\r\n13\r\n", "n=10 VA")
	f(CmdMetaNoop, "MN\r\n", "n=4 MN")
	f(CmdMetaDebug, "ME n exp=-1 la=1 cas=11 fetch=yes cls=1 size=61\r\n", "n=49 ME")
	f(CmdMetaGet, "CLIENT_ERROR bad command line format\r\n", "n=38 CLIENT_ERROR")
	f(CmdMetaGet, "VA x\r\n", "err=memcache: malformed reply")
	f(CmdMetaGet, "VA 1\r\nxy\r\n", "err=memcache: malformed reply")
	f(CmdMetaGet, "VALUE a 0 1\r\nx\r\nEND\r\n", "err=memcache: malformed reply")
	f(CmdMetaNoop, "HD\r\n", "err=memcache: malformed reply")
	f(CmdMetaGet, "HDX\r\n", "err=memcache: malformed reply")
}
