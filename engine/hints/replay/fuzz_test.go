package replay

import (
	"testing"

	"github.com/dynomite-go/dynomite/codec/memcache"
	"github.com/dynomite-go/dynomite/codec/resp"
)

// FuzzReplies: the reply decoders never panic on a complete reply of any
// shape, and a RESTORE/DEL plan is only made from valid replies.
func FuzzReplies(f *testing.F) {
	f.Add([]byte("$3\r\nabc\r\n"), []byte(":-1\r\n"))
	f.Add([]byte("$-1\r\n"), []byte(":-2\r\n"))
	f.Add([]byte("*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n"), []byte("-ERR x\r\n"))
	f.Add([]byte("VALUE k 1 2\r\nab\r\nEND\r\n"), []byte("END\r\n"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var sc resp.ReplyScanner
		if n, err := sc.Scan(a); err == nil {
			a = a[:n]
			Bulk(a)
			Int(a)
			Scan(a, nil)
			if _, act, err := AppendTarget(nil, []byte("k"), a, b); err == nil && act != Restore && act != Delete {
				t.Fatalf("unexpected action %d", act)
			}
		}
		var mc memcache.ReplyScanner
		if n, st, err := mc.Scan(a, memcache.CmdGet); err == nil {
			GetItem(a[:n], st)
		}
	})
}
