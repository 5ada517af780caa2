package memcache

import "testing"

// TestProxyReplies pins the proxy's own error lines byte for byte.
func TestProxyReplies(t *testing.T) {
	f := func(got []byte, want string) {
		t.Helper()
		if string(got) != want {
			t.Fatalf("unexpected proxy reply; got %q; want %q", got, want)
		}
	}
	f(ReplyTooManyMsgs, "SERVER_ERROR Dynomite: too many requests in flight\r\n")
	f(ReplyInputOverflow, "SERVER_ERROR Dynomite: client sends without reading replies\r\n")
	f(ReplyBadMerge, "SERVER_ERROR Dynomite: replies of a multi-key request do not match\r\n")
	f(AppendProxyError([]byte("x"), "Storage: Datastore refused connection"), "xSERVER_ERROR Storage: Datastore refused connection\r\n")
	for _, r := range [][]byte{ReplyTooManyMsgs, ReplyInputOverflow, ReplyBadMerge} {
		var s ReplyScanner
		if n, st, err := s.Scan(r, CmdSet); err != nil || n != len(r) || st != StatusServerError || !IsErrorReply(r) {
			t.Fatalf("proxy reply %q is not one SERVER_ERROR line; n=%d st=%v err=%v", r, n, st, err)
		}
	}
}

func TestIsErrorReply(t *testing.T) {
	f := func(reply string, want bool) {
		t.Helper()
		if got := IsErrorReply([]byte(reply)); got != want {
			t.Fatalf("unexpected IsErrorReply(%q); got %v; want %v", reply, got, want)
		}
	}
	f("ERROR\r\n", true)
	f("CLIENT_ERROR bad data chunk\r\n", true)
	f("SERVER_ERROR Storage: Datastore timed out\r\n", true)
	f("STORED\r\n", false)
	f("END\r\n", false)
	f("VALUE ERROR 0 1\r\nx\r\nEND\r\n", false)
	f("SERVER_ERRORx\r\n", false)
	f("", false)
}

func TestCommandOf(t *testing.T) {
	f := func(frame string, want Command) {
		t.Helper()
		if got := CommandOf([]byte(frame)); got != want {
			t.Fatalf("unexpected command of %q; got %v; want %v", frame, got, want)
		}
	}
	f("get k\r\n", CmdGet)
	f("gets a b\r\n", CmdGets)
	f("set k 0 0 1\r\nx\r\n", CmdSet)
	f("mn\r\n", CmdMetaNoop)
	f("version\n", CmdVersion)
	f("quit", CmdQuit)
	f("GET k\r\n", CmdUnknown)
	f("verbosityverbosity 1\r\n", CmdUnknown)
	f("", CmdUnknown)
}
