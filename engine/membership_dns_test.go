package engine

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// txtServer is a DNS server on loopback answering TXT queries for one
// name with a list the test changes.
type txtServer struct {
	mu   sync.Mutex
	txt  string
	srv  *dns.Server
	addr string
}

func newTXTServer(t *testing.T, name string) *txtServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &txtServer{addr: pc.LocalAddr().String()}
	fqdn := dns.Fqdn(name)
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		ts.mu.Lock()
		txt := ts.txt
		ts.mu.Unlock()
		if len(r.Question) == 1 && r.Question[0].Name == fqdn && r.Question[0].Qtype == dns.TypeTXT && txt != "" {
			var parts []string
			for len(txt) > 255 {
				parts, txt = append(parts, txt[:255]), txt[255:]
			}
			parts = append(parts, txt)
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: fqdn, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 0}, Txt: parts})
		} else if txt == "" {
			m.Rcode = dns.RcodeServerFailure
		}
		_ = w.WriteMsg(m)
	})
	started := make(chan struct{})
	ts.srv = &dns.Server{PacketConn: pc, Handler: mux, NotifyStartedFunc: func() { close(started) }}
	go func() { _ = ts.srv.ActivateAndServe() }()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("DNS server did not start")
	}
	t.Cleanup(func() { _ = ts.srv.Shutdown() })
	return ts
}

func (ts *txtServer) set(txt string) {
	ts.mu.Lock()
	ts.txt = txt
	ts.mu.Unlock()
}

// resolver sends every query to the test server.
func (ts *txtServer) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", ts.addr)
	}}
}

// startExtraNode starts a node with its own redis at new ports in dc1,
// rack, token, whose dyn_seeds are the cluster's nodes.
func startExtraNode(t *testing.T, tc *testCluster, rack string, token uint32, skip int) (*Node, *conf.Config, *enginetest.Proc) {
	t.Helper()
	r := enginetest.Redis(t)
	cfg := testConfig(r.Addr)
	*cfg = *tc.cfgs[0]
	cfg.Pool.Servers = testConfig(r.Addr).Pool.Servers
	cfg.Pool.DynListen = tcpAddr(mustFreePort(t))
	cfg.Pool.Listen = tcpAddr(mustFreePort(t))
	cfg.Pool.Rack, cfg.Pool.Tokens = rack, []uint32{token}
	cfg.Pool.DynSeedProvider = ""
	cfg.Pool.DynSeeds = nil
	for j, c := range tc.cfgs {
		if j == skip {
			continue
		}
		p := &c.Pool
		cfg.Pool.DynSeeds = append(cfg.Pool.DynSeeds, conf.Seed{Addr: p.DynListen, Rack: p.Rack, DC: p.Datacenter, Tokens: p.Tokens})
	}
	return startNode(t, cfg), cfg, r
}

// waitPeer waits until n's ring holds a peer at addr, within d.
func waitPeer(t *testing.T, n *Node, addr string, d time.Duration) {
	t.Helper()
	end := time.Now().Add(d)
	for {
		for _, p := range n.cluster.topo.Load().Peers {
			if p != nil && p.Addr == addr {
				return
			}
		}
		if time.Now().After(end) {
			t.Fatalf("no peer %s in the ring after %v", addr, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMembershipDNS: node 0 takes its peers from dns_provider (TXT
// records of an in-test DNS server). Rack3's node replaced at a new
// address with the same token is followed within one poll, and writes
// through node 0 reach the new node. Then a node added to rack2 with a
// new token takes the keys it owns: each key written through node 0 is
// in exactly one of rack2's two datastores, and the new one has some.
func TestMembershipDNS(t *testing.T) {
	const name = "seeds.dyno.test"
	ds := newTXTServer(t, name)
	tc := startTestCluster(t, threeRackMembers(), nil)
	tc.stop(tc.nodes[0])
	p0 := &tc.cfgs[0].Pool
	p0.DynSeedProvider = "dns_provider"
	p0.DynSeeds = nil
	ds.set(seedRecord(&tc.cfgs[1].Pool) + "|" + seedRecord(&tc.cfgs[2].Pool))
	poll := 200 * time.Millisecond
	getenv := func(k string) string {
		if k == "DYNOMITE_DNS_NAME" {
			return name
		}
		return ""
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	n0, err := New(Options{Config: tc.cfgs[0], Logger: log, Getenv: getenv,
		Membership: MembershipOptions{SeedInterval: poll, RetireAfter: 100 * time.Millisecond, Resolver: ds.resolver()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := n0.Start(); err != nil {
		t.Fatal(err)
	}
	tc.nodes[0] = n0
	t.Cleanup(func() { tc.stop(n0) })
	end := time.Now().Add(5 * time.Second)
	for n0.State() != admin.Normal || n0.cluster.topo.Load().Nodes() != 3 {
		if time.Now().After(end) {
			t.Fatalf("node not NORMAL with 3 nodes 5 s after start: %v, %d nodes", n0.State(), n0.cluster.topo.Load().Nodes())
		}
		time.Sleep(20 * time.Millisecond)
	}
	tc.waitMesh(10 * time.Second)
	c := dial(t, n0)

	// Replace rack3's node: new address, same token.
	tc.stop(tc.nodes[2])
	n3, cfg3, r3 := startExtraNode(t, tc, "rack3", tc.cfgs[2].Pool.Tokens[0], 2)
	_ = n3
	ds.set(seedRecord(&tc.cfgs[1].Pool) + "|" + seedRecord(&cfg3.Pool))
	waitPeer(t, n0, cfg3.Pool.DynListen.String(), 2*poll+time.Second)
	end = time.Now().Add(5 * time.Second)
	for k := 0; ; k++ {
		key := fmt.Sprint("dns:new:", k)
		got := do(t, c, "SET", key, "w")
		if got == "+OK\r\n" && storedIn(t, r3.Addr, key) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("writes through node 0 do not reach the replacing node within 5 s; last reply %q", got)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Add a node to rack2 with a new token.
	const split = 1 << 31
	n4, cfg4, r4 := startExtraNode(t, tc, "rack2", split, 2)
	_ = n4
	ds.set(seedRecord(&tc.cfgs[1].Pool) + "|" + seedRecord(&cfg3.Pool) + "|" + seedRecord(&cfg4.Pool))
	waitPeer(t, n0, cfg4.Pool.DynListen.String(), 2*poll+time.Second)
	for end := time.Now().Add(10 * time.Second); ; {
		var up bool
		for _, p := range n0.cluster.topo.Load().Peers {
			up = up || (p != nil && p.Addr == cfg4.Pool.DynListen.String() && p.Up())
		}
		if up {
			break
		}
		if time.Now().After(end) {
			t.Fatal("node 0 did not connect to the added node within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	const keys = 40
	for k := 0; k < keys; k++ {
		expect(t, c, "+OK\r\n", "SET", fmt.Sprint("dns:add:", k), "x")
	}
	onNew := 0
	for k := 0; k < keys; k++ {
		key := fmt.Sprint("dns:add:", k)
		var inOld, inNew bool
		for end := time.Now().Add(3 * time.Second); !inOld && !inNew && time.Now().Before(end); {
			inOld, inNew = storedIn(t, tc.redis[1].Addr, key), storedIn(t, r4.Addr, key)
			if !inOld && !inNew {
				time.Sleep(20 * time.Millisecond)
			}
		}
		switch {
		case inOld && inNew:
			t.Errorf("key %s in both of rack2's datastores", key)
		case !inOld && !inNew:
			t.Errorf("key %s in neither of rack2's datastores", key)
		case inNew:
			onNew++
		}
	}
	if onNew == 0 || onNew == keys {
		t.Fatalf("the added node owns %d of %d keys; want some, not all", onNew, keys)
	}
}

// storedIn reports whether the redis at addr holds key.
func storedIn(t *testing.T, addr, key string) bool {
	t.Helper()
	rc := enginetest.DialTB(t, addr)
	defer rc.Close()
	r, err := rc.Do("EXISTS", key)
	if err != nil {
		t.Fatalf("redis %s: EXISTS %s: %v", addr, key, err)
	}
	return r.Int == 1
}
