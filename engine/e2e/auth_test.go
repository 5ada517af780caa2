package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// authUsers configures a node with requirepass and three users (rw's
// password given as SHA-256 hex), and returns the redis-server commands
// that give a real Redis the same users.
func authUsers(c *enginetest.NodeConfig) {
	sum := sha256.Sum256([]byte("rwpw"))
	c.Extra = map[string]string{
		"requirepass": "top",
		"users": "\n  - name: ro\n    password: ropw\n    role: read-only" +
			"\n  - name: rw\n    password_sha256: " + hex.EncodeToString(sum[:]) + "\n    role: read-write" +
			"\n  - name: root\n    password: rootpw\n    role: admin",
	}
}

var redisUsers = [][]string{
	{"CONFIG", "SET", "requirepass", "top"},
	{"ACL", "SETUSER", "ro", "on", ">ropw", "~*", "&*", "+@read", "+@connection", "-@admin", "-@dangerous"},
	{"ACL", "SETUSER", "rw", "on", "#" + func() string { s := sha256.Sum256([]byte("rwpw")); return hex.EncodeToString(s[:]) }(), "~*", "&*", "+@all", "-@admin", "-@dangerous"},
	{"ACL", "SETUSER", "root", "on", ">rootpw", "~*", "&*", "+@all"},
}

// TestAuthLikeRedis: the node with requirepass and users answers a
// session of AUTH, reads, writes and administration as a real redis-server
// with the same users answers it, byte for byte; failed attempts show in
// /info and /metrics.
func TestAuthLikeRedis(t *testing.T) {
	node, _ := enginetest.Proxy(t, authUsers)
	ref := enginetest.Redis(t)
	rc := enginetest.DialTB(t, ref.Addr)
	for _, cmd := range redisUsers {
		if r, err := rc.Do(cmd...); err != nil || r.IsError() {
			t.Fatalf("cannot configure redis-server with %v: %v %v", cmd, r, err)
		}
	}
	script := [][]string{
		{"GET", "k"},
		{"SET", "k", "v"},
		{"HELLO", "3"},
		{"CLIENT", "ID"},
		{"AUTH", "wrong"},
		{"AUTH", "ro", "wrong"},
		{"AUTH", "nobody", "ropw"},
		{"AUTH", "a", "b", "c"},
		{"HELLO", "2", "AUTH", "ro", "nope"},
		{"sleep"}, // past the node's limiter: its fourth failure costs 10 ms
		{"AUTH", "ro", "ropw"},
		{"GET", "k"},
		{"SET", "k", "v"},
		{"CONFIG", "GET", "maxmemory"},
		{"FLUSHALL"},
		{"AUTH", "rw", "rwpw"},
		{"SET", "k", "v"},
		{"GET", "k"},
		{"FLUSHALL"},
		{"SHUTDOWN"},
		{"CONFIG", "SET", "maxmemory", "1"},
		{"DEL", "k"},
		{"PING"},
	}
	nc := enginetest.DialTB(t, node.Addr)
	dc := enginetest.DialTB(t, ref.Addr)
	for _, cmd := range script {
		if cmd[0] == "sleep" {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		want, err := dc.Do(cmd...)
		if err != nil {
			t.Fatalf("redis-server: %v: %v", cmd, err)
		}
		got, err := nc.Do(cmd...)
		replyIs(t, strings.Join(cmd, " "), got, err, string(want.Raw))
	}
	// Before AUTH, QUIT is answered.
	q := enginetest.DialTB(t, node.Addr)
	r, err := q.Do("QUIT")
	replyIs(t, "QUIT before AUTH", r, err, "+OK\r\n")

	// 4 failures above (AUTH wrong, ro wrong, nobody, HELLO ... nope; the
	// syntax error is none).
	_, _, body := httpGet(t, node, "/info")
	if !strings.Contains(body, `"client_auth_failures":4`) {
		t.Fatalf("unexpected /info: no client_auth_failures of 4 in %.2000s", body)
	}
	if _, _, m := httpGet(t, node, "/metrics"); !strings.Contains(m, "client_auth_failures") {
		t.Fatalf("unexpected /metrics: no client_auth_failures in %.2000s", m)
	}
}

// TestAuthAdminUser: an admin of users may run server administration
// (CONFIG SET reaches the datastore); the requirepass password may not.
func TestAuthAdminUser(t *testing.T) {
	node, redis := enginetest.Proxy(t, authUsers)
	c := enginetest.DialTB(t, node.Addr)
	r, err := c.Do("AUTH", "top")
	replyIs(t, "AUTH top", r, err, "+OK\r\n")
	r, err = c.Do("CONFIG", "SET", "maxmemory-samples", "7")
	replyIs(t, "CONFIG SET as the requirepass user", r, err, "-ERR Dynomite: server administration command 'config|set' is refused\r\n")
	r, err = c.Do("AUTH", "root", "rootpw")
	replyIs(t, "AUTH root", r, err, "+OK\r\n")
	r, err = c.Do("CONFIG", "SET", "maxmemory-samples", "7")
	replyIs(t, "CONFIG SET as an admin of users", r, err, "+OK\r\n")
	d := enginetest.DialTB(t, redis.Addr)
	r, err = d.Do("CONFIG", "GET", "maxmemory-samples")
	replyIs(t, "CONFIG GET on the datastore", r, err, "*2\r\n$17\r\nmaxmemory-samples\r\n$1\r\n7\r\n")
}

// TestAuthWrongPasswords: 10,000 wrong passwords pipelined on one
// connection are all answered WRONGPASS and counted, the node's memory
// stays flat, and the connection still works.
func TestAuthWrongPasswords(t *testing.T) {
	node, _ := enginetest.Proxy(t, authUsers)
	c := enginetest.DialTB(t, node.Addr)
	c.Timeout = 30 * time.Second
	before, err := enginetest.RSS(node.PID())
	if err != nil {
		t.Fatal(err)
	}
	w := watchRSS(node.PID())
	const n = 10000
	for round := 0; round < n/1000; round++ {
		for i := 0; i < 1000; i++ {
			if err := c.Send("AUTH", "rw", fmt.Sprint("wrong-", round, "-", i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 1000; i++ {
			r, err := c.Read()
			replyIs(t, "a wrong password", r, err, "-WRONGPASS invalid username-password pair or user is disabled.\r\n")
		}
	}
	peak := w.Stop()
	if peak-before > 16<<20 {
		t.Fatalf("RSS grew from %s to %s over %d wrong passwords", mib(before), mib(peak), n)
	}
	r, err := c.Do("GET", "k")
	replyIs(t, "GET after the failures", r, err, "-NOAUTH Authentication required.\r\n")
	_, _, body := httpGet(t, node, "/info")
	if !strings.Contains(body, fmt.Sprintf(`"client_auth_failures":%d`, n)) {
		t.Fatalf("unexpected /info: client_auth_failures is not %d in %.3000s", n, body)
	}
}
