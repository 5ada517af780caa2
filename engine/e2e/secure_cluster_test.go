package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// Dynomite's peer encryption between nodes of ours (issue 13.1): a
// cluster of three racks over two DCs (two nodes in rack1) runs with each
// secure_server_option; every peer link goes through a recording relay,
// so which links are encrypted is read from the frames' flags on the
// wire, both ways, and the test's keys must not appear in clear on an
// encrypted link.

// tapConn is one relayed connection: what went from the dialling node to
// the accepting one (requests) and back (replies).
type tapConn struct {
	mu        sync.Mutex
	toPeer    []byte
	fromPeer  []byte
	from, dst int // node indexes
}

// tap relays one node's links to one peer and records their bytes.
type tap struct {
	ln    net.Listener
	conns []*tapConn
	mu    sync.Mutex
	wg    sync.WaitGroup
	open  []net.Conn
}

func startTap(t *testing.T, target string, from, dst int) *tap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tp := &tap{ln: ln}
	tp.wg.Add(1)
	go func() {
		defer tp.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.DialTimeout("tcp", target, 2*time.Second)
			if err != nil {
				c.Close()
				continue
			}
			tc := &tapConn{from: from, dst: dst}
			tp.mu.Lock()
			tp.conns = append(tp.conns, tc)
			tp.open = append(tp.open, c, up)
			tp.mu.Unlock()
			tp.wg.Add(2)
			go tp.pipe(c, up, tc, &tc.toPeer)
			go tp.pipe(up, c, tc, &tc.fromPeer)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		tp.mu.Lock()
		for _, c := range tp.open {
			c.Close()
		}
		tp.mu.Unlock()
		tp.wg.Wait()
	})
	return tp
}

// pipe copies src to dst, recording into rec, until either side closes.
func (tp *tap) pipe(src, dst net.Conn, tc *tapConn, rec *[]byte) {
	defer tp.wg.Done()
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			tc.mu.Lock()
			*rec = append(*rec, buf[:n]...)
			tc.mu.Unlock()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// frameFlags parses a recorded stream of our nodes' frames (payload_len
// is exact on both plain and encrypted frames) and returns the encrypted
// flag of each request or response frame.
func frameFlags(stream []byte) ([]bool, error) {
	var p dnode.Parser
	var out []bool
	for len(stream) > 0 {
		var h dnode.Header
		skipped, hn, err := p.Parse(stream, &h)
		if err != nil {
			if errors.Is(err, dnode.ErrIncomplete) {
				return out, nil // the last frame was cut by the close
			}
			return out, err
		}
		if skipped != 0 {
			return out, fmt.Errorf("unexpected %d bytes before a frame", skipped)
		}
		if h.Type.IsRequest() || h.Type == dnode.TypeRes {
			out = append(out, h.Encrypted())
		}
		n := hn + int(h.PayloadLen)
		if n > len(stream) {
			return out, nil
		}
		stream = stream[n:]
	}
	return out, nil
}

func TestClusterPeerEncryption(t *testing.T) {
	pem, err := filepath.Abs(filepath.Join("testdata", "dynomite.pem"))
	if err != nil {
		t.Fatal(err)
	}
	members := []enginetest.Member{
		{DC: "dc1", Rack: "rack1", Tokens: "0"},
		{DC: "dc1", Rack: "rack1", Tokens: half},
		{DC: "dc1", Rack: "rack2", Tokens: "0"},
		{DC: "dc2", Rack: "rack3", Tokens: "0"},
	}
	for _, option := range []string{"none", "datacenter", "rack", "all"} {
		t.Run(option, func(t *testing.T) {
			// secures says whether node i encrypts its links to node j.
			secures := func(i, j int) bool {
				sameDC := members[i].DC == members[j].DC
				sameRack := sameDC && members[i].Rack == members[j].Rack
				switch option {
				case "all":
					return true
				case "rack":
					return !sameRack
				case "datacenter":
					return !sameDC
				}
				return false
			}
			var taps []*tap
			base := enginetest.NodeConfig{Extra: map[string]string{
				"secure_server_option": option,
				"pem_key_file":         pem,
				"mbuf_size":            "16384",
			}}
			// ClusterOf lists node i's seeds in the members' order,
			// skipping i; each goes through a tap of its own.
			edit := func(i int, c *enginetest.NodeConfig) {
				withConsistency(c, "DC_QUORUM")
				for k, s := range c.DynSeeds {
					j := k
					if k >= i {
						j = k + 1
					}
					addr, rest := splitSeed(s)
					tp := startTap(t, addr, i, j)
					taps = append(taps, tp)
					c.DynSeeds[k] = tp.ln.Addr().String() + rest
				}
			}
			cl := startCluster(t, members, base, edit, enginetest.ClusterOptions{})

			big := strings.Repeat("x", 40000) // more than one mbuf_size chunk
			for i := range cl.nodes {
				c := cl.client(i)
				for n, v := range []string{fmt.Sprintf("clear-value-%d", i), big} {
					key := fmt.Sprintf("wirekey:%d:%d", i, n)
					r, err := c.Do("SET", key, v)
					replyIs(t, fmt.Sprintf("DC_QUORUM SET through %s", cl.nodes[i]), r, err, "+OK\r\n")
					for _, o := range cl.ownersEverywhere(key) {
						if !cl.waitStored(o, key, v, replWait) {
							got, _ := cl.stored(o, key)
							t.Fatalf("SET %q through %s: not in the redis of %s (its owner there); got %q", key, cl.nodes[i], cl.nodes[o], trunc([]byte(got)))
						}
					}
				}
			}
			for i := range cl.nodes {
				c := cl.client(i)
				for j := range cl.nodes {
					key := fmt.Sprintf("wirekey:%d:1", j)
					r, err := c.Do("GET", key)
					replyIs(t, fmt.Sprintf("DC_QUORUM GET %s through %s", key, cl.nodes[i]), r, err, fmt.Sprintf("$%d\r\n%s\r\n", len(big), big))
				}
			}
			// Each class of link (same rack, other rack, other DC) must
			// have carried requests.
			seen := map[string]int{}
			anyLeak := false
			for _, tp := range taps {
				tp.mu.Lock()
				conns := append([]*tapConn(nil), tp.conns...)
				tp.mu.Unlock()
				for _, tc := range conns {
					tc.mu.Lock()
					reqs, rerr := frameFlags(tc.toPeer)
					reps, perr := frameFlags(tc.fromPeer)
					leaked := bytes.Contains(tc.toPeer, []byte("wirekey:")) || bytes.Contains(tc.fromPeer, []byte("clear-value-"))
					tc.mu.Unlock()
					if rerr != nil || perr != nil {
						t.Fatalf("link %d->%d: cannot parse the frames: %v %v", tc.from, tc.dst, rerr, perr)
					}
					want := secures(tc.from, tc.dst)
					for k, enc := range append(reqs, reps...) {
						if enc != want {
							t.Fatalf("link %d->%d (%s to %s): frame %d encrypted %v; want %v", tc.from, tc.dst,
								cl.nodes[tc.from], cl.nodes[tc.dst], k, enc, want)
						}
					}
					anyLeak = anyLeak || leaked
					if want && leaked {
						t.Fatalf("link %d->%d: a key or value in clear on an encrypted link", tc.from, tc.dst)
					}
					if len(reqs) > 0 {
						seen[linkClass(members, tc.from, tc.dst)] += len(reqs)
						if len(reps) == 0 {
							t.Fatalf("link %d->%d: %d requests, no reply frame", tc.from, tc.dst, len(reqs))
						}
					}
				}
			}
			for _, class := range []string{"same rack", "other rack", "other dc"} {
				if seen[class] == 0 {
					t.Fatalf("no request crossed a link to a node in the %s; seen %v", class, seen)
				}
			}
			if option == "none" && !anyLeak {
				t.Fatal("no key seen in clear on any link of an unencrypted cluster: the taps see nothing")
			}
			t.Logf("requests per link class: %v", seen)
		})
	}
}

func linkClass(m []enginetest.Member, i, j int) string {
	switch {
	case m[i].DC != m[j].DC:
		return "other dc"
	case m[i].Rack != m[j].Rack:
		return "other rack"
	}
	return "same rack"
}

// splitSeed cuts a dyn_seeds entry "host:port:rack:dc:tokens" into its
// address and the rest (":rack:dc:tokens").
func splitSeed(s string) (addr, rest string) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) < 3 {
		return s, ""
	}
	return parts[0] + ":" + parts[1], ":" + parts[2]
}
