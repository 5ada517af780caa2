package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// Datastore authentication and TLS (issue 13.4): the node sends AUTH on
// every connect and reconnect before any request, and dials Redis's
// tls-port through TLS.

// setGet writes and reads back one key through c and fails the test
// unless both work.
func setGet(t *testing.T, c *enginetest.Client, key, val string) {
	t.Helper()
	r, err := c.Do("SET", key, val)
	replyIs(t, "SET "+key, r, err, "+OK\r\n")
	r, err = c.Do("GET", key)
	replyIs(t, "GET "+key, r, err, fmt.Sprintf("$%d\r\n%s\r\n", len(val), val))
}

// eventuallySet retries SET through the node until it answers +OK, for at
// most d, and returns the last reply.
func eventuallySet(t *testing.T, addr, key string, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	last := ""
	for time.Now().Before(deadline) {
		c, err := enginetest.Dial(addr)
		if err == nil {
			c.Conn.SetDeadline(time.Now().Add(3 * time.Second))
			r, err := c.Do("SET", key, "again")
			c.Close()
			if err == nil {
				last = string(r.Raw)
				if last == "+OK\r\n" {
					return last
				}
			} else {
				last = err.Error()
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return last
}

// redisGet reads key on the redis-server itself, authenticating with args.
func redisGet(t *testing.T, redis *enginetest.Proc, key string, auth ...string) string {
	t.Helper()
	c := enginetest.DialTB(t, redis.Addr)
	if len(auth) > 0 {
		r, err := c.Do(append([]string{"AUTH"}, auth...)...)
		replyIs(t, "AUTH on redis", r, err, "+OK\r\n")
	}
	r, err := c.Do("GET", key)
	if err != nil {
		t.Fatalf("GET on redis: %v", err)
	}
	return string(r.Raw)
}

func TestDatastorePasswordAcrossRestart(t *testing.T) {
	redis := enginetest.RedisWith(t, enginetest.RedisOptions{Args: []string{"--requirepass", "s3cret"}})
	cfg, err := enginetest.SingleNode(redis)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ServerRetryTimeout = 1000
	cfg.Extra = map[string]string{"datastore_password": "s3cret"}
	node := enginetest.Node(t, cfg)

	c := enginetest.DialTB(t, node.Addr)
	setGet(t, c, "auth:k1", "v1")
	if got := redisGet(t, redis, "auth:k1", "s3cret"); got != "$2\r\nv1\r\n" {
		t.Fatalf("unexpected value in redis; got %q; want %q", got, "$2\r\nv1\r\n")
	}
	// The AUTH reply is not a client's: a pipeline right after connect
	// gets exactly its own replies.
	c2 := enginetest.DialTB(t, node.Addr)
	c2.Send("PING")
	c2.Send("GET", "auth:k1")
	c2.Flush()
	r, err := c2.Read()
	replyIs(t, "PING", r, err, "+PONG\r\n")
	r, err = c2.Read()
	replyIs(t, "GET", r, err, "$2\r\nv1\r\n")

	if err := redis.Restart(); err != nil {
		t.Fatal(err)
	}
	if got := eventuallySet(t, node.Addr, "auth:k2", 15*time.Second); got != "+OK\r\n" {
		t.Fatalf("unexpected reply after the datastore restarted; got %q; want +OK", got)
	}
	if got := redisGet(t, redis, "auth:k2", "s3cret"); got != "$5\r\nagain\r\n" {
		t.Fatalf("unexpected value in redis after restart; got %q", got)
	}
}

// aclNode starts a redis-server whose only user is "proxy" (password
// "pw1"; the default user is off) and a node that logs in as that user.
func aclNode(t *testing.T) (*enginetest.Proc, *enginetest.Proc) {
	t.Helper()
	redis := enginetest.RedisWith(t, enginetest.RedisOptions{Args: []string{
		"--user", "default", "off",
		"--user", "proxy", "on", ">pw1", "~*", "&*", "+@all",
	}})
	cfg, err := enginetest.SingleNode(redis)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Extra = map[string]string{"datastore_user": "proxy", "datastore_password": "pw1"}
	return redis, enginetest.Node(t, cfg)
}

func TestDatastoreACLUser(t *testing.T) {
	redis, node := aclNode(t)
	c := enginetest.DialTB(t, node.Addr)
	setGet(t, c, "acl:k", "v")
	if got := redisGet(t, redis, "acl:k", "proxy", "pw1"); got != "$1\r\nv\r\n" {
		t.Fatalf("unexpected value in redis; got %q", got)
	}
}

func TestDatastoreWrongPassword(t *testing.T) {
	redis := enginetest.RedisWith(t, enginetest.RedisOptions{Args: []string{"--requirepass", "right"}})
	cfg, err := enginetest.SingleNode(redis)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Extra = map[string]string{"datastore_password": "wrong"}
	node := enginetest.Node(t, cfg)
	c := enginetest.DialTB(t, node.Addr)
	r, err := c.Do("SET", "k", "v")
	if err != nil || !r.IsError() {
		t.Fatalf("unexpected reply with a refused AUTH; got %v, %v; want an error reply", r, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(node.Log(), "cannot authenticate to the datastore") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if log := node.Log(); !strings.Contains(log, "cannot authenticate to the datastore") || !strings.Contains(log, "WRONGPASS") {
		t.Fatalf("unexpected node log; want a line naming the refused AUTH; got:\n%s", log)
	}
}

func TestDatastoreTLS(t *testing.T) {
	ca := enginetest.NewCA(t, "redis")
	srvCert, srvKey := ca.Issue(t, "redis")
	cliCert, cliKey := ca.Issue(t, "node")
	tlsPort, err := enginetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	redis := enginetest.RedisWith(t, enginetest.RedisOptions{Args: []string{
		"--tls-port", strconv.Itoa(tlsPort),
		"--tls-cert-file", srvCert, "--tls-key-file", srvKey, "--tls-ca-cert-file", ca.File,
		"--requirepass", "tpw",
	}})
	cfg, err := enginetest.SingleNode(redis)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Servers = []string{fmt.Sprintf("127.0.0.1:%d:1", tlsPort)}
	cfg.Extra = map[string]string{
		"datastore_password": "tpw",
		"datastore_tls":      tlsBlock("cert_file", cliCert, "key_file", cliKey, "ca_file", ca.File),
	}
	node := enginetest.Node(t, cfg)
	c := enginetest.DialTB(t, node.Addr)
	for i := 0; i < 20; i++ {
		setGet(t, c, "tls:k"+strconv.Itoa(i), strings.Repeat("x", i*1000))
	}
	if got := redisGet(t, redis, "tls:k1", "tpw"); got != "$1000\r\n"+strings.Repeat("x", 1000)+"\r\n" {
		t.Fatalf("unexpected value in redis; got %q", trunc([]byte(got)))
	}
	// The node's connection is a TLS one: redis counts it among its TLS
	// clients only when it came through tls-port (CLIENT LIST laddr).
	rc := enginetest.DialTB(t, redis.Addr)
	r, err := rc.Do("AUTH", "tpw")
	replyIs(t, "AUTH", r, err, "+OK\r\n")
	r, err = rc.Do("CLIENT", "LIST")
	if err != nil || !strings.Contains(string(r.Raw), fmt.Sprintf("laddr=127.0.0.1:%d", tlsPort)) {
		t.Fatalf("unexpected CLIENT LIST; want a client on the TLS port %d; got %q, %v", tlsPort, trunc(r.Raw), err)
	}
}

// tlsBlock renders the fields of a *_tls block as the value of a
// NodeConfig.Extra key (a block mapping under the key).
func tlsBlock(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, "\n    %s: %s", kv[i], kv[i+1])
	}
	return b.String()
}

// TestDedicatedWithDatastoreUser: a client's own datastore connection
// (blocking pops, pub/sub, transactions) authenticates like the shared
// ones.
func TestDedicatedWithDatastoreUser(t *testing.T) {
	_, node := aclNode(t)
	c := enginetest.DialTB(t, node.Addr)
	r, err := c.Do("RPUSH", "ded:l", "a")
	if err != nil || string(r.Raw) != ":1\r\n" {
		t.Fatalf("RPUSH: %q %v", r.Raw, err)
	}
	r, err = c.Do("BLPOP", "ded:l", "1")
	if err != nil || string(r.Raw) != "*2\r\n$5\r\nded:l\r\n$1\r\na\r\n" {
		t.Fatalf("BLPOP on a dedicated connection to an ACL-protected redis: %q %v", r.Raw, err)
	}
	r, err = c.Do("MULTI")
	if err != nil || string(r.Raw) != "+OK\r\n" {
		t.Fatalf("MULTI: %q %v", r.Raw, err)
	}
	r, err = c.Do("INCR", "ded:n")
	if err != nil || string(r.Raw) != "+QUEUED\r\n" {
		t.Fatalf("INCR in MULTI: %q %v", r.Raw, err)
	}
	r, err = c.Do("EXEC")
	if err != nil || string(r.Raw) != "*1\r\n:1\r\n" {
		t.Fatalf("EXEC: %q %v", r.Raw, err)
	}
}
