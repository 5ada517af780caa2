package e2e

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// fakeFrame is one request frame a fakePeer received.
type fakeFrame struct {
	header  string   // the header line, CRLF included
	fields  []string // id, type, flags, version, same_dc, data_len, data, payload_len
	payload *enginetest.Reply
}

// fakePeer stands in for another node on the peer port: it parses the
// request frames it receives, records them, and answers each DMSG_REQ with
// a DMSG_RES carrying the request's id and the reply that answer gives.
type fakePeer struct {
	t      *testing.T
	ln     net.Listener
	mu     sync.Mutex
	frames []fakeFrame
	errs   []string
	answer func(cmd []string) string // RESP reply for a request
	stale  bool                      // send a stale response (id 0) before each real one
}

func startFakePeer(t *testing.T) *fakePeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakePeer{t: t, ln: ln}
	var wg sync.WaitGroup
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		f.mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			conns = append(conns, c)
			f.mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); f.serve(c) }()
		}
	}()
	return f
}

func (f *fakePeer) fail(format string, args ...any) {
	f.mu.Lock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

func (f *fakePeer) serve(c net.Conn) {
	r := bufio.NewReader(c)
	for n := 0; n < 100000; n++ {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		m := resHeader.FindStringSubmatch(line)
		if m == nil {
			f.fail("unparsable frame header %q", line)
			return
		}
		p, err := enginetest.ReadReply(r)
		if err != nil {
			f.fail("frame %q: payload: %v", line, err)
			return
		}
		fr := fakeFrame{header: line, fields: m[1:], payload: p}
		f.mu.Lock()
		f.frames = append(f.frames, fr)
		answer, stale := f.answer, f.stale
		f.mu.Unlock()
		if fr.fields[1] != "3" || answer == nil {
			continue // gossip and anything else expects no reply
		}
		var cmd []string
		for _, e := range p.Elems {
			cmd = append(cmd, string(e.Str))
		}
		reply := answer(cmd)
		var out strings.Builder
		if stale {
			fmt.Fprintf(&out, "   $2014$ 0 5 0 1 1 *1 d *%d\r\n%s", len("+STALE\r\n"), "+STALE\r\n")
		}
		fmt.Fprintf(&out, "   $2014$ %s 5 0 1 1 *1 d *%d\r\n%s", fr.fields[0], len(reply), reply)
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte(out.String())); err != nil {
			return
		}
	}
}

// requests returns the DMSG_REQ frames received so far.
func (f *fakePeer) requests() []fakeFrame {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeFrame
	for _, fr := range f.frames {
		if fr.fields[1] == "3" {
			out = append(out, fr)
		}
	}
	return out
}

// TestDnodeInterop: a node whose other rack is a stand-in peer speaking the
// dnode format. The node's requests are well-formed frames (type 3,
// unencrypted, version 1, same DC, data "d", increasing ids, the client's
// RESP as payload); the peer's DMSG_RES frames, matched by id, count toward
// quorum; a stale response id is ignored.
func TestDnodeInterop(t *testing.T) {
	fake := startFakePeer(t)
	cfgs, err := enginetest.ClusterOf([]enginetest.Member{{Rack: "rack1"}, {Rack: "rack2"}}, enginetest.NodeConfig{Timeout: int(peerTimeout / time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	cfgs[0].DynSeeds = []string{fake.ln.Addr().String() + ":rack2:dc1:0"}
	nodes := enginetest.StartCluster(t, cfgs[:1], enginetest.ClusterOptions{})
	node := nodes[0]
	vals := map[string]string{}
	var vmu sync.Mutex
	fake.mu.Lock()
	fake.answer = func(cmd []string) string {
		vmu.Lock()
		defer vmu.Unlock()
		switch strings.ToUpper(cmd[0]) {
		case "SET":
			vals[cmd[1]] = cmd[2]
			return "+OK\r\n"
		case "GET":
			if v, ok := vals[cmd[1]]; ok {
				return bulk(v)
			}
			return "$-1\r\n"
		}
		return "-ERR unexpected command\r\n"
	}
	fake.mu.Unlock()

	bound := 2*peerTimeout + slack
	c := enginetest.DialTB(t, node.Node.Addr)
	// The node connects to its seed in the background: write until the
	// stand-in has seen a request.
	for n := 0; len(fake.requests()) == 0; n++ {
		if n == 100 {
			t.Fatalf("no DMSG_REQ reached the stand-in peer in rack2 after %d writes", n)
		}
		replyIs(t, "SET at DC_ONE", do(t, "SET", c, bound, "SET", "io:k", "v"), nil, "+OK\r\n")
		time.Sleep(100 * time.Millisecond)
	}
	raw := string(enginetest.AppendCommand(nil, enginetest.Args("SET", "io:k", "v")...))
	lastID := uint64(0)
	for _, fr := range fake.requests() {
		f := fr.fields
		if f[2] != "0" || f[3] != "1" || f[4] != "1" || f[5] != "1" || f[6] != "d" {
			t.Fatalf("unexpected request header %q; want `   $2014$ <id> 3 0 1 1 *1 d *<n>`", fr.header)
		}
		if f[7] != "0" && f[7] != strconv.Itoa(len(fr.payload.Raw)) {
			t.Fatalf("request header %q: payload length %s; want 0 or %d", fr.header, f[7], len(fr.payload.Raw))
		}
		if !strings.EqualFold(string(fr.payload.Raw), raw) {
			t.Fatalf("unexpected request payload %q; want the client's command %q", fr.payload.Raw, raw)
		}
		id, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil || id <= lastID {
			t.Fatalf("request header %q: id not increasing after %d", fr.header, lastID)
		}
		lastID = id
	}
	t.Logf("%d requests reached the stand-in; the first header: %q", len(fake.requests()), fake.requests()[0].header)

	q := enginetest.DialTB(t, node.Node.Addr)
	setConsistency(t, q, "DC_SAFE_QUORUM")
	for n := 0; n < 5; n++ {
		replyIs(t, "GET at DC_SAFE_QUORUM, both racks agree", do(t, "GET", q, bound, "GET", "io:k"), nil, bulk("v"))
	}
	vmu.Lock()
	vals["io:k"] = "w"
	vmu.Unlock()
	replyIs(t, "GET at DC_SAFE_QUORUM, the racks disagree", do(t, "GET", q, bound, "GET", "io:k"), nil, quorumErr)
	replyIs(t, "SET at DC_SAFE_QUORUM", do(t, "SET", q, bound, "SET", "io:k", "z"), nil, "+OK\r\n")
	fake.mu.Lock()
	fake.stale = true
	fake.mu.Unlock()
	for n := 0; n < 5; n++ {
		replyIs(t, "GET at DC_SAFE_QUORUM after a stale response", do(t, "GET", q, bound, "GET", "io:k"), nil, bulk("z"))
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	for _, e := range fake.errs {
		t.Errorf("stand-in peer: %s", e)
	}
}
