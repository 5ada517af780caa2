package repair

import "testing"

func FuzzParseReply(f *testing.F) {
	f.Add([]byte("*3\r\n$1\r\nE\r\n$2\r\n17\r\n$3\r\nbar\r\n"))
	f.Add([]byte("*3\r\n$1\r\nX\r\n:0\r\n$-1\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseReply(b)
		if err == nil && r.Status != 'E' && r.Status != 'R' && r.Status != 'X' {
			t.Fatalf("unexpected status %q", r.Status)
		}
	})
}
