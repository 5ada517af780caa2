package e2e

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

var dnodeSeed = flag.Uint64("dnode.seed", 0, "seed of the random bytes of TestDnodeGarbledFrames (0 picks one from the clock; it is printed on failure)")

// peerNode starts a redis-server and one node in front of it and returns
// the node, its Redis and its peer (dyn_listen) address.
func peerNode(t *testing.T) (node, redis *enginetest.Proc, peer string) {
	t.Helper()
	redis = enginetest.Redis(t)
	cfg, err := enginetest.SingleNode(redis)
	if err != nil {
		t.Fatal(err)
	}
	node = enginetest.Node(t, cfg)
	return node, redis, cfg.DynListen
}

// peerConn is a raw connection to a node's peer port.
type peerConn struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialPeer(t *testing.T, addr string) *peerConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial the peer port %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &peerConn{t: t, conn: c, r: bufio.NewReader(c)}
}

func (p *peerConn) write(b []byte) error {
	p.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := p.conn.Write(b)
	return err
}

// frame renders an unencrypted request frame (type 3, DMSG_REQ) around the
// RESP payload, with the payload length given.
func frame(id uint64, payload string) string {
	return fmt.Sprintf("   $2014$ %d 3 0 1 1 *1 d *%d\r\n%s", id, len(payload), payload)
}

var resHeader = regexp.MustCompile(`^   \$2014\$ (\d+) (\d+) (\d+) (\d+) (\d+) \*(\d+) (\S+) \*(\d+)\r\n$`)

// response reads one response frame and requires its header to be a
// DMSG_RES for id, unencrypted, version 1, same DC, data "d"; it returns the
// RESP reply that follows.
func (p *peerConn) response(id uint64) *enginetest.Reply {
	p.t.Helper()
	return p.responseDC(id, "1")
}

// responseDC is response with the expected same_dc field; "" accepts any.
func (p *peerConn) responseDC(id uint64, sameDC string) *enginetest.Reply {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := p.r.ReadString('\n')
	if err != nil {
		p.t.Fatalf("response to frame %d: no header: %v (read %q)", id, err, line)
	}
	m := resHeader.FindStringSubmatch(line)
	if m == nil {
		p.t.Fatalf("response to frame %d: unexpected header %q; want `   $2014$ %d 5 0 1 1 *1 d *<n>\\r\\n`", id, line, id)
	}
	want := []string{strconv.FormatUint(id, 10), "5", "0", "1", sameDC, "1", "d"}
	for i, w := range want {
		if w != "" && m[i+1] != w {
			p.t.Fatalf("response to frame %d: unexpected header %q (field %d is %q; want %q)", id, line, i+1, m[i+1], w)
		}
	}
	r, err := enginetest.ReadReply(p.r)
	if err != nil {
		p.t.Fatalf("response to frame %d (header %q): no RESP reply: %v", id, line, err)
	}
	return r
}

// TestDnodeFrames: DMSG_REQ frames on the peer port are executed on the
// node's Redis and answered with DMSG_RES frames carrying the msg id, in
// order; garbage before a frame is skipped up to the next "$2014$".
func TestDnodeFrames(t *testing.T) {
	node, redis, peer := peerNode(t)
	c := enginetest.DialTB(t, node.Addr)
	replyIs(t, "SET foo through the client port", do(t, "SET", c, 2*time.Second, "SET", "foo", "bar"), nil, "+OK\r\n")

	t.Run("get", func(t *testing.T) {
		p := dialPeer(t, peer)
		if err := p.write([]byte("   $2014$ 17 3 0 1 1 *1 d *22\r\n*2\r\n$3\r\nget\r\n$3\r\nfoo\r\n")); err != nil {
			t.Fatal(err)
		}
		replyIs(t, "GET foo in a DMSG_REQ", p.response(17), nil, "$3\r\nbar\r\n")
	})
	t.Run("set with payload length 0", func(t *testing.T) {
		p := dialPeer(t, peer)
		if err := p.write([]byte("   $2014$ 1 3 0 1 1 *1 d *0\r\n*3\r\n$3\r\nset\r\n$4\r\nfoo1\r\n$4\r\nbar1\r\n")); err != nil {
			t.Fatal(err)
		}
		replyIs(t, "SET foo1 in a DMSG_REQ", p.response(1), nil, "+OK\r\n")
		rc := enginetest.DialTB(t, redis.Addr)
		r, err := rc.Do("GET", "foo1")
		replyIs(t, "foo1 in the node's Redis", r, err, "$4\r\nbar1\r\n")
	})
	t.Run("pipelined", func(t *testing.T) {
		p := dialPeer(t, peer)
		var b strings.Builder
		for i := uint64(100); i < 110; i++ {
			b.WriteString(frame(i, "*2\r\n$4\r\nincr\r\n$3\r\nctr\r\n"))
		}
		if err := p.write([]byte(b.String())); err != nil {
			t.Fatal(err)
		}
		for i := uint64(100); i < 110; i++ {
			replyIs(t, fmt.Sprintf("INCR in frame %d", i), p.response(i), nil, fmt.Sprintf(":%d\r\n", i-99))
		}
	})
	t.Run("resync after garbage", func(t *testing.T) {
		p := dialPeer(t, peer)
		if err := p.write([]byte("garbage before any frame 2014 $201 $\r\n\x00\xff" + frame(7, "*2\r\n$3\r\nget\r\n$3\r\nfoo\r\n"))); err != nil {
			t.Fatal(err)
		}
		replyIs(t, "GET after garbage", p.response(7), nil, "$3\r\nbar\r\n")
	})
	t.Run("big value", func(t *testing.T) {
		p := dialPeer(t, peer)
		v := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
		set := fmt.Sprintf("*3\r\n$3\r\nset\r\n$3\r\nbig\r\n$%d\r\n%s\r\n", len(v), v)
		if err := p.write([]byte(frame(40, set) + frame(41, "*2\r\n$3\r\nget\r\n$3\r\nbig\r\n"))); err != nil {
			t.Fatal(err)
		}
		replyIs(t, "SET of 1 MiB in a frame", p.response(40), nil, "+OK\r\n")
		replyIs(t, "GET of 1 MiB in a frame", p.response(41), nil, bulk(v))
	})
}

// TestDnodeGarbledFrames: garbage, truncated headers, huge lengths and
// malformed payloads on the peer port never crash the node: it keeps
// serving clients (checked continuously), its memory stays bounded, and a
// correct frame on a new peer connection is still answered.
func TestDnodeGarbledFrames(t *testing.T) {
	s := *dnodeSeed
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("TestDnodeGarbledFrames seed: -dnode.seed=%d", s)
		}
	})
	rng := rand.New(rand.NewPCG(s, s^0x5bd1e995))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b
	}
	node, _, peer := peerNode(t)
	w := startWatcher(t, node.Addr)
	rss := watchRSS(node.PID())

	oneMiB := bytes.Repeat([]byte{'x'}, 1<<20)
	cases := []struct {
		name string
		data []byte
	}{
		{"random bytes", random(64 << 10)},
		{"magic only", []byte("   $2014$ ")},
		{"truncated header", []byte("   $2014$ 17 3 0 1")},
		{"truncated payload", []byte("   $2014$ 17 3 0 1 1 *1 d *22\r\n*2\r\n$3\r\nge")},
		{"huge msg id", []byte("   $2014$ 99999999999999999999999999999 3 0 1 1 *1 d *0\r\n*1\r\n$4\r\nping\r\n")},
		{"negative msg id", []byte("   $2014$ -1 3 0 1 1 *1 d *0\r\n*1\r\n$4\r\nping\r\n")},
		{"letters for numbers", []byte("   $2014$ a b c d e *f g *h\r\n")},
		{"huge data length", []byte("   $2014$ 1 3 0 1 1 *4294967296 d *0\r\n")},
		{"huge data length and bytes", append([]byte("   $2014$ 1 3 0 1 1 *2000000000 "), bytes.Repeat(oneMiB, 8)...)},
		{"huge payload length", append([]byte("   $2014$ 1 3 0 1 1 *1 d *99999999999\r\n"), bytes.Repeat(oneMiB, 8)...)},
		{"huge payload length, encrypted", append([]byte("   $2014$ 1 3 1 1 1 *1 d *2000000000\r\n"), bytes.Repeat(oneMiB, 8)...)},
		{"encrypted garbage", append([]byte("   $2014$ 1 3 1 1 1 *1 d *4096\r\n"), random(4096)...)},
		{"unknown type", []byte("   $2014$ 1 99 0 1 1 *1 d *0\r\n*1\r\n$4\r\nping\r\n")},
		{"crypto handshake", append([]byte("   $2014$ 1 6 0 1 1 *128 "), random(200)...)},
		{"gossip garbage", append([]byte("   $2014$ 1 7 0 1 1 *1 a *300\r\n"), random(300)...)},
		{"response type on the inbound side", []byte("   $2014$ 1 5 0 1 1 *1 d *5\r\n+OK\r\n")},
		{"malformed RESP payload", []byte("   $2014$ 2 3 0 1 1 *1 d *5\r\n*x\r\n\r\n")},
		{"huge bulk in the payload", append([]byte("   $2014$ 3 3 0 1 1 *1 d *0\r\n*3\r\n$3\r\nset\r\n$1\r\nk\r\n$99999999999\r\n"), bytes.Repeat(oneMiB, 8)...)},
		{"huge multibulk count", []byte("   $2014$ 4 3 0 1 1 *1 d *0\r\n*2147483647\r\n$3\r\nget\r\n")},
		{"many magics", bytes.Repeat([]byte("$2014$ "), 150000)},
		{"32 MiB without a magic", bytes.Repeat(oneMiB, 32)},
	}
	for _, c := range cases {
		p := dialPeer(t, peer)
		done := make(chan struct{})
		go func() {
			// Drain whatever the node answers so it never blocks on us.
			defer close(done)
			p.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			io.Copy(io.Discard, p.conn)
		}()
		began := time.Now()
		p.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
		if _, err := p.conn.Write(c.data); err != nil {
			// The node may close a garbled connection or stop reading it.
			t.Logf("case %q: write stopped after %v: %v", c.name, time.Since(began).Round(time.Millisecond), err)
		}
		time.Sleep(50 * time.Millisecond)
		p.conn.Close()
		<-done
		if !node.Running() {
			t.Fatalf("case %q: the node exited", c.name)
		}
		cc := enginetest.DialTB(t, node.Addr)
		cc.Timeout = 5 * time.Second
		replyIs(t, fmt.Sprintf("SET after the case %q", c.name), do(t, "SET", cc, 2*time.Second, "SET", "after", c.name), nil, "+OK\r\n")
		cc.Close()
	}
	peakRSS := rss.Stop()
	w.check(t)
	if peakRSS > rssLimit {
		t.Errorf("node RSS peaked at %s during the garbled frames; want under %s", mib(peakRSS), mib(rssLimit))
	}
	t.Logf("node RSS peak %s", mib(peakRSS))
	p := dialPeer(t, peer)
	if err := p.write([]byte(frame(5, "*2\r\n$3\r\nget\r\n$5\r\nafter\r\n"))); err != nil {
		t.Fatal(err)
	}
	last := cases[len(cases)-1].name
	replyIs(t, "a correct frame after the garbage", p.response(5), nil, bulk(last))
}
