package engine

import (
	"bytes"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/dedicated"
)

// Client tunnels: in a rack of two nodes (0 and 1, rack 2 holding node
// 2), blocking commands and transactions through node 0 on keys node 1
// owns run on node 1's datastore and are replicated by node 1.

func tunnelMembers() []member {
	return []member{
		{"dc1", "rack1", []uint32{0}}, {"dc1", "rack1", []uint32{2147483647}},
		{"dc1", "rack2", []uint32{0}},
	}
}

// ownedBy returns a key node owns in rack 0, and a key node 0 owns.
func (tc *testCluster) ownedBy(node int, prefix string) (theirs, mine string) {
	tc.t.Helper()
	for i := 0; i < 500 && (theirs == "" || mine == ""); i++ {
		k := prefix + string(rune('a'+i%26)) + string(rune('a'+i/26))
		switch tc.ring.Owner(0, 0, tc.ring.Token([]byte(k))) {
		case node:
			theirs = k
		case 0:
			mine = k
		}
	}
	if theirs == "" || mine == "" {
		tc.t.Fatal("cannot find keys of both owners")
	}
	return theirs, mine
}

// waitRedisOf polls the redis of each of nodes until args answers want
// within d.
func (tc *testCluster) waitRedisOf(nodes []int, want string, d time.Duration, args ...string) {
	tc.t.Helper()
	end := time.Now().Add(d)
	for _, i := range nodes {
		for {
			got := tc.redisDo(i, args...)
			if got == want {
				break
			}
			if time.Now().After(end) {
				tc.t.Fatalf("redis of node %d: unexpected reply to %q; got %q; want %q", i, args, got, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// waitBlocked waits until node i's redis has a blocked client.
func (tc *testCluster) waitBlocked(i int) {
	tc.t.Helper()
	for end := time.Now().Add(5 * time.Second); ; {
		if strings.Contains(tc.redisDo(i, "INFO", "clients"), "blocked_clients:1\r\n") {
			return
		}
		if time.Now().After(end) {
			tc.t.Fatalf("no client blocked on node %d's redis", i)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTunnelBlockingPop(t *testing.T) {
	tc := startTestCluster(t, tunnelMembers(), nil)
	q, _ := tc.ownedBy(1, "q")
	a := tc.client(0)
	for round, via := range []int{1, 2} {
		if err := a.Send("BLPOP", q, "5"); err != nil {
			t.Fatal(err)
		}
		if err := a.Flush(); err != nil {
			t.Fatal(err)
		}
		tc.waitBlocked(1)
		expect(t, tc.client(via), ":2\r\n", "LPUSH", q, "y", "x")
		r, err := a.Read()
		if want := "*2\r\n$" + itoa(len(q)) + "\r\n" + q + "\r\n$1\r\nx\r\n"; err != nil || string(r.Raw) != want {
			t.Fatalf("round %d: unexpected BLPOP reply; got %v %v; want %q", round, r, err, want)
		}
		tc.waitRedisOf([]int{1, 2}, "*1\r\n$1\r\ny\r\n", 3*time.Second, "LRANGE", q, "0", "-1")
		expect(t, a, "$1\r\ny\r\n", "LPOP", q)
		tc.waitRedisOf([]int{1, 2}, ":0\r\n", 3*time.Second, "LLEN", q)
	}
	if got := tc.redisDo(0, "EXISTS", q); got != ":0\r\n" {
		t.Fatalf("node 0's redis holds %s: %q", q, got)
	}
	expect(t, a, "*-1\r\n", "BLPOP", q, "0.05")
	// A RESP3 client gets RESP3 replies through the tunnel.
	r3 := dial3(t, tc.nodes[0].ClientAddr().String())
	if got := r3.do(t, "BLPOP", q, "0.05"); got != "_\r\n" {
		t.Fatalf("a RESP3 client's BLPOP timeout: got %q; want a null", got)
	}
}

func TestTunnelTransaction(t *testing.T) {
	tc := startTestCluster(t, tunnelMembers(), nil)
	k, mine := tc.ownedBy(1, "t")
	a := tc.client(0)
	expect(t, a, "+OK\r\n", "MULTI")
	expect(t, a, "+QUEUED\r\n", "SET", k, "1")
	expect(t, a, "+QUEUED\r\n", "INCRBY", k, "4")
	expect(t, a, "+QUEUED\r\n", "GET", k)
	expect(t, a, "*3\r\n+OK\r\n:5\r\n$1\r\n5\r\n", "EXEC")
	tc.waitRedisOf([]int{1, 2}, "$1\r\n5\r\n", 3*time.Second, "GET", k)
	if got := tc.redisDo(0, "EXISTS", k); got != ":0\r\n" {
		t.Fatalf("node 0's redis holds %s: %q", k, got)
	}
	// Keys of two owners: CROSSSLOT, then EXECABORT.
	expect(t, a, "+OK\r\n", "MULTI")
	expect(t, a, "+QUEUED\r\n", "SET", k, "2")
	expect(t, a, "-CROSSSLOT Keys in request don't hash to the same slot\r\n", "SET", mine, "2")
	expect(t, a, "-EXECABORT Transaction discarded because of previous errors.\r\n", "EXEC")
	// Held MULTI: empty, discarded, nested, or opened on this node.
	expect(t, a, "+OK\r\n", "MULTI")
	expect(t, a, "*0\r\n", "EXEC")
	expect(t, a, "+OK\r\n", "MULTI")
	expect(t, a, "-ERR MULTI calls can not be nested\r\n", "MULTI")
	expect(t, a, "+OK\r\n", "DISCARD")
	expect(t, a, "+OK\r\n", "MULTI")
	expect(t, a, "+QUEUED\r\n", "SET", mine, "m")
	expect(t, a, "-CROSSSLOT Keys in request don't hash to the same slot\r\n", "GET", k)
	expect(t, a, "-EXECABORT Transaction discarded because of previous errors.\r\n", "EXEC")
	expect(t, a, "+OK\r\n", "MULTI")
	expect(t, a, "+QUEUED\r\n", "SET", mine, "m")
	expect(t, a, "*1\r\n+OK\r\n", "EXEC")
	tc.waitRedisOf([]int{0, 2}, "$1\r\nm\r\n", 3*time.Second, "GET", mine)
	tc.waitRedisOf([]int{1, 2}, "$1\r\n5\r\n", time.Second, "GET", k)
}

func TestTunnelWatch(t *testing.T) {
	tc := startTestCluster(t, tunnelMembers(), nil)
	k, _ := tc.ownedBy(1, "w")
	a, b := tc.client(0), tc.client(1)
	expect(t, b, "+OK\r\n", "SET", k, "0")
	expect(t, a, "+OK\r\n", "WATCH", k)
	expect(t, b, "+OK\r\n", "SET", k, "changed")
	expect(t, a, "+OK\r\n", "MULTI")
	expect(t, a, "+QUEUED\r\n", "SET", k, "mine")
	expect(t, a, "*-1\r\n", "EXEC")
	tc.waitRedisOf([]int{1, 2}, "$7\r\nchanged\r\n", 3*time.Second, "GET", k)

	expect(t, a, "+OK\r\n", "WATCH", k)
	expect(t, a, "+OK\r\n", "MULTI")
	expect(t, a, "+QUEUED\r\n", "SET", k, "mine")
	expect(t, a, "*1\r\n+OK\r\n", "EXEC")
	tc.waitRedisOf([]int{1, 2}, "$4\r\nmine\r\n", 3*time.Second, "GET", k)
}

// The peer side of a tunnel: the hello, first on a peer connection, makes
// it a client's; an unknown user is refused; a hello after another
// request is an unknown command.
func TestTunnelHello(t *testing.T) {
	tc := startTestCluster(t, tunnelMembers(), func(i int, p *conf.Pool) {
		p.Users = []conf.User{{Name: "default", Password: "pw", Role: conf.RoleAdmin}, {Name: "ro", Password: "x", Role: conf.RoleReadOnly}}
	})
	open := func() net.Conn {
		c, err := net.Dial("tcp", tc.nodes[1].PeerAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	readLine := func(c net.Conn, rest *[]byte) string {
		t.Helper()
		tmp := make([]byte, 512)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		for i := 0; i < 100; i++ {
			if j := bytes.IndexByte(*rest, '\n'); j >= 0 {
				line := string((*rest)[:j+1])
				*rest = (*rest)[j+1:]
				return line
			}
			n, err := c.Read(tmp)
			if err != nil {
				t.Fatalf("cannot read: %v", err)
			}
			*rest = append(*rest, tmp[:n]...)
		}
		t.Fatal("no line")
		return ""
	}

	c := open()
	var rest []byte
	if _, err := c.Write(tunnelHello(7, "ro")); err != nil {
		t.Fatal(err)
	}
	h, payload := readFrame(t, c, &rest)
	if h.Type != dnode.TypeRes || h.MsgID != 7 || string(payload) != "+OK\r\n" {
		t.Fatalf("unexpected answer to the hello: %+v %q", h, payload)
	}
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := readLine(c, &rest); got != "+PONG\r\n" {
		t.Fatalf("unexpected PING reply on the tunnel: %q", got)
	}
	if got := readLine(c, &rest); !strings.HasPrefix(got, "-NOPERM") {
		t.Fatalf("a read-only user's SET: got %q; want NOPERM", got)
	}

	bad := open()
	rest = nil
	if _, err := bad.Write(tunnelHello(8, "nobody")); err != nil {
		t.Fatal(err)
	}
	h, payload = readFrame(t, bad, &rest)
	if h.Type != dnode.TypeRes || string(payload) != string(replyTunnelUser) {
		t.Fatalf("unexpected answer to an unknown user's hello: %+v %q", h, payload)
	}
	expectEOF(t, bad)

	late := open()
	rest = nil
	ping := resp.AppendCommand(nil, []byte("PING"))
	frame := append(dnode.AppendHeader(nil, dnode.Plain(1, dnode.TypeReq, true, uint32(len(ping)))), ping...)
	if _, err := late.Write(append(frame, tunnelHello(2, "default")...)); err != nil {
		t.Fatal(err)
	}
	if _, payload = readFrame(t, late, &rest); string(payload) != "+PONG\r\n" {
		t.Fatalf("unexpected PING reply: %q", payload)
	}
	if _, payload = readFrame(t, late, &rest); !strings.HasPrefix(string(payload), "-ERR unknown command") {
		t.Fatalf("a late hello: got %q; want an unknown command", payload)
	}
}

// expectEOF waits for c to be closed by the far end.
func expectEOF(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 256)
	for i := 0; i < 100; i++ {
		if _, err := c.Read(buf); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal("connection not closed")
			}
			return
		}
	}
	t.Fatal("connection not closed")
}

// With peer links encrypted, a tunnel is not opened: the client is told.
func TestTunnelRefusedOnEncryptedLinks(t *testing.T) {
	pem := testPemPath(t)
	tc := startTestCluster(t, tunnelMembers(), func(i int, p *conf.Pool) {
		p.SecureServerOption, p.PemKeyFile = "all", pem
	})
	q, mine := tc.ownedBy(1, "e")
	a := tc.client(0)
	expect(t, a, string(dedicated.ReplyTunnelEncrypted), "BLPOP", q, "1")
	expect(t, a, "*-1\r\n", "BLPOP", mine, "0.05")
}
