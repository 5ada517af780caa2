package e2e

import (
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// exchange sends cmds and a final PING on c and returns every reply up to
// the PING's, concatenated raw: commands whose replies are turned off
// (CLIENT REPLY) leave nothing.
func exchange(t *testing.T, what string, c *enginetest.Client, cmds [][]string) string {
	t.Helper()
	for _, cmd := range cmds {
		if err := c.Send(cmd...); err != nil {
			t.Fatalf("%s: %v: %v", what, cmd, err)
		}
	}
	if err := c.Send("PING", "end-of-exchange"); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := 0; i <= len(cmds)+8; i++ {
		r, err := c.Read()
		if err != nil {
			t.Fatalf("%s: reading after %q: %v", what, b.String(), err)
		}
		if string(r.Raw) == "$15\r\nend-of-exchange\r\n" {
			return b.String()
		}
		b.Write(r.Raw)
	}
	t.Fatalf("%s: no end of the exchange after %q", what, b.String())
	return ""
}

// TestConnStateLikeRedis: CLIENT REPLY ON/OFF/SKIP and RESET (out of and
// inside MULTI, WATCH and subscriber mode) answer as a real redis-server
// answers them, byte for byte, each script on a fresh connection.
func TestConnStateLikeRedis(t *testing.T) {
	node, _ := enginetest.Proxy(t, nil)
	ref := enginetest.Redis(t)
	scripts := []struct {
		name string
		cmds [][]string
	}{
		{"reply off and on", [][]string{{"SET", "k1", "a"}, {"CLIENT", "REPLY", "OFF"}, {"SET", "k1", "b"}, {"GET", "k1"}, {"NOSUCHCOMMAND"}, {"CLIENT", "REPLY", "ON"}, {"GET", "k1"}}},
		{"reply skip", [][]string{{"CLIENT", "REPLY", "SKIP"}, {"GET", "k1"}, {"GET", "k1"}, {"CLIENT", "REPLY", "SKIP"}, {"CLIENT", "REPLY", "ON"}, {"GET", "k1"}}},
		{"reply syntax", [][]string{{"CLIENT", "REPLY", "MAYBE"}, {"CLIENT", "REPLY"}}},
		{"reset", [][]string{{"CLIENT", "SETNAME", "me"}, {"RESET"}, {"CLIENT", "GETNAME"}}},
		{"reset in multi", [][]string{{"DEL", "k2"}, {"MULTI"}, {"SET", "k2", "x"}, {"RESET"}, {"EXISTS", "k2"}, {"EXEC"}}},
		{"reset after watch", [][]string{{"WATCH", "k3"}, {"RESET"}, {"MULTI"}, {"SET", "k3", "y"}, {"EXEC"}, {"GET", "k3"}}},
		{"reset subscriber", [][]string{{"SUBSCRIBE", "ch1", "ch2"}, {"RESET"}, {"SET", "k4", "z"}, {"GET", "k4"}}},
		{"reply off in a session", [][]string{{"WATCH", "k5"}, {"CLIENT", "REPLY", "OFF"}, {"SET", "k5", "1"}, {"GET", "k5"}, {"CLIENT", "REPLY", "ON"}, {"GET", "k5"}, {"UNWATCH"}, {"GET", "k5"}}},
	}
	for _, s := range scripts {
		nc := enginetest.DialTB(t, node.Addr)
		dc := enginetest.DialTB(t, ref.Addr)
		want := exchange(t, "redis-server: "+s.name, dc, s.cmds)
		got := exchange(t, "node: "+s.name, nc, s.cmds)
		if got != want {
			t.Errorf("%s: unexpected replies through the node\n got: %q\nwant: %q", s.name, got, want)
		}
	}
	// Without users every client is the default user: administration
	// inside MULTI is refused and EXEC aborts.
	nc := enginetest.DialTB(t, node.Addr)
	got := exchange(t, "node: admin in multi", nc, [][]string{{"MULTI"}, {"CONFIG", "SET", "maxmemory-samples", "9"}, {"EXEC"}})
	if want := "+OK\r\n-ERR Dynomite: server administration command 'config|set' is refused\r\n-EXECABORT Transaction discarded because of previous errors.\r\n"; got != want {
		t.Errorf("admin in multi: unexpected replies through the node\n got: %q\nwant: %q", got, want)
	}
}

// TestConnStateGateInSession: inside a dedicated session (MULTI, WATCH,
// subscriber) the node's gate still applies: administration is refused
// (NOPERM for a read-write user) and aborts the transaction, a read-only user's write gets NOPERM, SELECT
// of another database is refused, and the datastore never sees them.
func TestConnStateGateInSession(t *testing.T) {
	node, redis := enginetest.Proxy(t, authUsers)
	c := enginetest.DialTB(t, node.Addr)
	r, err := c.Do("AUTH", "rw", "rwpw")
	replyIs(t, "AUTH rw", r, err, "+OK\r\n")
	steps := []struct {
		cmd  []string
		want string
	}{
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "g1", "v"}, "+QUEUED\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory-samples", "9"}, "-NOPERM this user has no permissions to run the 'config|set' command\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		{[]string{"WATCH", "g1"}, "+OK\r\n"},
		{[]string{"SELECT", "1"}, "-ERR DB index is out of range: the node serves database 0 only\r\n"},
		{[]string{"CLIENT", "SETNAME", "watcher"}, "+OK\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "$7\r\nwatcher\r\n"},
		{[]string{"AUTH", "ro", "ropw"}, "+OK\r\n"},
		{[]string{"SET", "g1", "w"}, "-NOPERM this user has no permissions to run the 'set' command\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"CLIENT", "SETNAME", "inside"}, "-ERR Dynomite: this connection command cannot be queued inside MULTI; the transaction is aborted\r\n"},
		{[]string{"EXEC"}, "-EXECABORT Transaction discarded because of previous errors.\r\n"},
		{[]string{"EXISTS", "g1"}, ":0\r\n"},
	}
	for _, s := range steps {
		r, err := c.Do(s.cmd...)
		replyIs(t, strings.Join(s.cmd, " "), r, err, s.want)
	}
	d := enginetest.DialTB(t, redis.Addr)
	r, err = d.Do("CONFIG", "GET", "maxmemory-samples")
	replyIs(t, "CONFIG GET on the datastore", r, err, "*2\r\n$17\r\nmaxmemory-samples\r\n$1\r\n5\r\n")
}
