//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/enginetest/netns"
)

// Membership across hosts: every node runs in a network namespace of its
// own with its redis-server, and takes its peers from a seed provider
// served by the test process on the bridge (the root namespace's
// address). The installed binary polls its provider every 30 s, as C
// does; these tests run `dynomite-bench node`, the same engine built from
// the same YAML with a short poll period.
//
//	host 0  rack1 token 0          the node the client writes through
//	host 1  rack2 token 0
//	host 2  rack3 token 0          replaced by host 3 (same token)
//	host 3  rack3 token 0
//	host 4  rack2 token 2^31       added

const (
	nsPoll     = 300 * time.Millisecond
	nsDNSName  = "seeds.dyno.test"
	nsDynPort  = 8101
	nsPort     = 8102
	nsStats    = 22222
	nsRedis    = 6379
	nsAddToken = 1 << 31
)

// TestNetnsMembershipDNS: the seed list is a TXT record of a DNS server
// in the test, which every namespace uses as its resolver.
func TestNetnsMembershipDNS(t *testing.T) {
	nt := netns.New(t, 5)
	ds := startNSDNS(t, nt.Gateway().String()+":53")
	for _, h := range nt.Hosts() {
		if err := h.SetResolver(nt.Gateway()); err != nil {
			t.Fatal(err)
		}
	}
	runNSMembership(t, nt, ds.set, []string{"DYNOMITE_DNS_NAME=" + nsDNSName}, "dns_provider")
}

// TestNetnsMembershipFlorida: the seed list comes from a florida service,
// a real HTTP server on the bridge.
func TestNetnsMembershipFlorida(t *testing.T) {
	nt := netns.New(t, 5)
	var mu sync.Mutex
	list := ""
	ln, err := net.Listen("tcp", nt.Gateway().String()+":0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		l := list
		mu.Unlock()
		if r.URL.Path != "/REST/v1/admin/get_seeds" || l == "" {
			http.Error(w, "no seeds", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, l)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	set := func(l string) {
		mu.Lock()
		list = l
		mu.Unlock()
	}
	runNSMembership(t, nt, set, nil, "florida_provider", "-florida", ln.Addr().String())
}

// runNSMembership checks, with provider feeding the seed list through
// set: the three racks form a cluster from the list alone; rack3's node
// replaced at a new address with the same token is followed by the
// surviving nodes within one poll, and writes through host 0 reach the
// replacement; a node added to rack2 with a new token takes the keys it
// owns (each key is in exactly one of rack2's datastores, the new one has
// some).
func runNSMembership(t *testing.T, nt *netns.Net, set func(string), env []string, provider string, args ...string) {
	bin := buildBench(t)
	start := time.Now()
	hosts := nt.Hosts()
	racks := []string{"rack1", "rack2", "rack3", "rack3", "rack2"}
	tokens := []uint32{0, 0, 0, 0, nsAddToken}
	record := func(i int) string {
		return fmt.Sprintf("%s:%d:%s:dc1:%d", hosts[i].Addr, nsDynPort, racks[i], tokens[i])
	}
	list := func(idx ...int) string {
		var rs []string
		for _, i := range idx {
			rs = append(rs, record(i))
		}
		return strings.Join(rs, "|")
	}
	addr := func(i, port int) string { return fmt.Sprintf("%s:%d", hosts[i].Addr, port) }
	nodes := make([]*exec.Cmd, len(hosts))
	startHost := func(i int) {
		h := hosts[i]
		dir := t.TempDir()
		srv := h.Command("redis-server", "--bind", h.Addr.String(), "--port", fmt.Sprint(nsRedis), "--protected-mode", "no",
			"--save", "", "--appendonly", "no", "--dir", dir)
		if err := srv.Start(); err != nil {
			t.Fatalf("cannot start redis-server in %s: %v", h.Name, err)
		}
		t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
		yaml := fmt.Sprintf(`dyn_o_mite:
  listen: %[1]s:%[5]d
  dyn_listen: %[1]s:%[6]d
  stats_listen: %[1]s:%[7]d
  servers:
  - %[1]s:%[8]d:1
  datacenter: dc1
  rack: %[2]s
  tokens: '%[3]d'
  dyn_seed_provider: %[4]s
  data_store: 0
  timeout: 1000
  read_consistency: DC_ONE
  write_consistency: DC_ONE
`, h.Addr, racks[i], tokens[i], provider, nsPort, nsDynPort, nsStats, nsRedis)
		path := filepath.Join(dir, "dynomite.yml")
		if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		node := h.Command(bin, append([]string{"node", "-c", path, "-seed-interval", nsPoll.String()}, args...)...)
		node.Env = append(os.Environ(), env...)
		node.Stderr = os.Stderr
		if err := node.Start(); err != nil {
			t.Fatalf("cannot start the node in %s: %v", h.Name, err)
		}
		nodes[i] = node
		t.Cleanup(func() { _ = node.Process.Kill(); _ = node.Wait() })
	}
	dialUntil := func(a string) *enginetest.Client {
		end := time.Now().Add(15 * time.Second)
		for {
			c, err := enginetest.Dial(a)
			if err == nil {
				c.Timeout = 5 * time.Second
				t.Cleanup(func() { c.Close() })
				return c
			}
			if time.Now().After(end) {
				t.Fatalf("cannot reach %s: %v", a, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	redis := make([]*enginetest.Client, len(hosts))
	stored := func(i int, key string, d time.Duration) bool {
		if redis[i] == nil {
			redis[i] = dialUntil(addr(i, nsRedis))
		}
		end := time.Now().Add(d)
		for {
			r, err := redis[i].Do("EXISTS", key)
			if err == nil && r.Int == 1 {
				return true
			}
			if time.Now().After(end) {
				return false
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	set(list(0, 1, 2))
	for i := 0; i < 3; i++ {
		startHost(i)
	}
	c := dialUntil(addr(0, nsPort))
	setConsistency(t, c, "DC_QUORUM")
	end := time.Now().Add(20 * time.Second)
	for k := 0; ; k++ { // the mesh: a quorum write in every rack
		key := fmt.Sprint("nsm:mesh:", k)
		r, err := c.Do("SET", key, "m")
		if err == nil && string(r.Raw) == "+OK\r\n" && stored(1, key, 2*time.Second) && stored(2, key, 2*time.Second) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the 3 namespaced nodes did not form a cluster from the %s list within 20 s", provider)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("cluster formed %v after start", time.Since(start).Round(time.Millisecond))

	// Replace rack3's node: host 3, same token.
	_ = nodes[2].Process.Kill()
	_ = nodes[2].Wait()
	startHost(3)
	dialUntil(addr(3, nsPort))
	set(list(0, 1, 3))
	changed := time.Now()
	for _, i := range []int{0, 1} {
		waitDescribe(t, addr(i, nsStats), hosts[3].Addr.String(), hosts[2].Addr.String(), changed, nsPoll+time.Second)
	}
	t.Logf("the replacement followed %v after the list changed", time.Since(changed).Round(time.Millisecond))
	end = time.Now().Add(5 * time.Second)
	for k := 0; ; k++ {
		key := fmt.Sprint("nsm:new:", k)
		r, err := c.Do("SET", key, "w")
		if err == nil && string(r.Raw) == "+OK\r\n" && stored(3, key, time.Second) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("writes through host 0 do not reach the replacing node within 5 s: %v %v", r, err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Add host 4 to rack2 with a new token.
	startHost(4)
	dialUntil(addr(4, nsPort))
	set(list(0, 1, 3, 4))
	changed = time.Now()
	waitDescribe(t, addr(0, nsStats), hosts[4].Addr.String(), "", changed, nsPoll+time.Second)
	end = time.Now().Add(10 * time.Second)
	for k := 0; ; k++ { // host 0 is connected to host 4 once a write lands there
		key := fmt.Sprint("nsm:probe:", k)
		r, err := c.Do("SET", key, "p")
		if err == nil && string(r.Raw) == "+OK\r\n" && stored(4, key, 50*time.Millisecond) {
			break
		}
		if time.Now().After(end) {
			t.Fatal("no write through host 0 reached the added node within 10 s")
		}
	}
	const keys = 40
	for k := 0; k < keys; k++ {
		key := fmt.Sprint("nsm:add:", k)
		if r, err := c.Do("SET", key, "x"); err != nil || string(r.Raw) != "+OK\r\n" {
			t.Fatalf("SET %s: %v %v", key, r, err)
		}
	}
	onNew := 0
	for k := 0; k < keys; k++ {
		key := fmt.Sprint("nsm:add:", k)
		var inOld, inNew bool
		for end := time.Now().Add(3 * time.Second); !inOld && !inNew && time.Now().Before(end); {
			inOld, inNew = stored(1, key, 0), stored(4, key, 0)
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
	t.Logf("the added node owns %d of %d keys; whole test %v", onNew, keys, time.Since(start).Round(time.Millisecond))
}

// waitDescribe waits until the /cluster_describe of the node whose stats
// are at stats lists a server at host want and none at host gone ("" for
// no such check), failing the test when that takes longer than d after
// since.
func waitDescribe(t *testing.T, stats, want, gone string, since time.Time, d time.Duration) {
	t.Helper()
	cl := &http.Client{Timeout: 2 * time.Second}
	var last string
	for {
		hosts, body := describeHosts(cl, stats)
		last = body
		if hosts[want] && (gone == "" || !hosts[gone]) {
			return
		}
		if time.Since(since) > d {
			t.Fatalf("node %s: ring not changed %v after the seed list (want %s, not %q): %s", stats, d, want, gone, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// describeHosts returns the server hosts of a node's /cluster_describe,
// and the body.
func describeHosts(cl *http.Client, stats string) (map[string]bool, string) {
	resp, err := cl.Get("http://" + stats + "/cluster_describe")
	if err != nil {
		return nil, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err.Error()
	}
	var cd struct {
		DCs []struct {
			Racks []struct {
				Servers []struct{ Host string }
			}
		}
	}
	if err := json.Unmarshal(b, &cd); err != nil {
		return nil, string(b)
	}
	hosts := map[string]bool{}
	for _, dc := range cd.DCs {
		for _, r := range dc.Racks {
			for _, s := range r.Servers {
				hosts[s.Host] = true
			}
		}
	}
	return hosts, string(b)
}

// nsDNS is a DNS server answering TXT queries for nsDNSName with a list
// the test changes; anything else gets an empty answer.
type nsDNS struct {
	mu  sync.Mutex
	txt string
}

func startNSDNS(t *testing.T, addr string) *nsDNS {
	t.Helper()
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	ds := &nsDNS{}
	fqdn := dns.Fqdn(nsDNSName)
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		ds.mu.Lock()
		txt := ds.txt
		ds.mu.Unlock()
		if len(r.Question) == 1 && r.Question[0].Name == fqdn && r.Question[0].Qtype == dns.TypeTXT && txt != "" {
			var parts []string
			for len(txt) > 255 {
				parts, txt = append(parts, txt[:255]), txt[255:]
			}
			parts = append(parts, txt)
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: fqdn, Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: parts})
		}
		_ = w.WriteMsg(m)
	})
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: mux, NotifyStartedFunc: func() { close(started) }}
	go func() { _ = srv.ActivateAndServe() }()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("DNS server did not start")
	}
	t.Cleanup(func() { _ = srv.Shutdown() })
	return ds
}

func (ds *nsDNS) set(txt string) {
	ds.mu.Lock()
	ds.txt = txt
	ds.mu.Unlock()
}

// buildBench compiles ./cmd/dynomite-bench into a directory of the test.
func buildBench(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if err != nil || root == "." {
		t.Fatalf("cannot find the module root: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "dynomite-bench")
	cmd := exec.Command("go", "build", "-buildvcs=false", "-o", bin, "./cmd/dynomite-bench")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cannot build dynomite-bench: %v\n%s", err, out)
	}
	return bin
}
