package resp

import (
	"strings"
	"testing"
)

// TestProxyReplies pins the proxy's own error lines byte for byte: clients
// and the parity suite compare them.
func TestProxyReplies(t *testing.T) {
	f := func(got []byte, want string) {
		t.Helper()
		if string(got) != want {
			t.Fatalf("unexpected proxy reply; got %q; want %q", got, want)
		}
	}
	f(ReplyTooManyMsgs, "-ERR Dynomite: too many requests in flight\r\n")
	f(ReplyEmptyKey, "-ERR Dynomite: empty key\r\n")
	f(ReplyBadConsistency, "-ERR Dynomite: invalid consistency level\r\n")
	f(ReplyNotSupported, "-ERR Dynomite: command not supported\r\n")
	f(ReplyInputOverflow, "-ERR Dynomite: client sends without reading replies\r\n")
	f(ReplyBadMerge, "-ERR Dynomite: replies of a multi-key request do not match\r\n")
	f(ReplyProtocolError, "-ERR Protocol error\r\n")
	f(ReplyTooLarge, "-ERR Dynomite: datastore reply exceeds the proxy's limits\r\n")
	f(AppendProxyError([]byte("x"), "Storage: Datastore refused connection"), "x-ERR Storage: Datastore refused connection\r\n")
	f(AppendProxyError(nil, "Peer: Peer Node is not connected"), "-ERR Peer: Peer Node is not connected\r\n")
	for _, r := range [][]byte{ReplyTooManyMsgs, ReplyEmptyKey, ReplyBadConsistency, ReplyNotSupported,
		ReplyInputOverflow, ReplyBadMerge, ReplyProtocolError, ReplyTooLarge} {
		var s ReplyScanner
		if n, err := s.Scan(r); err != nil || n != len(r) {
			t.Fatalf("proxy reply %q is not one RESP error; n=%d err=%v", r, n, err)
		}
	}
}

// TestAppendSortAlpha checks the SMEMBERS rewrite: its bytes, and that it
// parses back as SORT <key> ALPHA with the key intact.
func TestAppendSortAlpha(t *testing.T) {
	f := func(key, want string) {
		t.Helper()
		got := AppendSortAlpha([]byte("x"), []byte(key))
		if string(got) != "x"+want {
			t.Fatalf("unexpected rewrite of SMEMBERS %q; got %q; want %q", key, got[1:], want)
		}
		var p Parser
		var r Request
		n, err := p.Parse(got[1:], &r)
		if err != nil || n != len(got)-1 || r.Cmd == nil || r.Cmd.Name != "sort" ||
			len(r.Args) != 3 || string(r.Args[1]) != key || string(r.Args[2]) != "ALPHA" {
			t.Fatalf("unexpected parse of the rewrite of %q; n=%d err=%v args=%q", key, n, err, r.Args)
		}
		if keys := r.Cmd.Keys(r.Args, nil); len(keys) != 1 || keys[0] != 1 {
			t.Fatalf("unexpected keys of the rewrite of %q; got %v; want [1]", key, keys)
		}
	}
	f("s", "*3\r\n$4\r\nSORT\r\n$1\r\ns\r\n$5\r\nALPHA\r\n")
	f("", "*3\r\n$4\r\nSORT\r\n$0\r\n\r\n$5\r\nALPHA\r\n")
	f("a\r\nb", "*3\r\n$4\r\nSORT\r\n$4\r\na\r\nb\r\n$5\r\nALPHA\r\n")
	long := strings.Repeat("k", 300)
	f(long, "*3\r\n$4\r\nSORT\r\n$300\r\n"+long+"\r\n$5\r\nALPHA\r\n")
}
