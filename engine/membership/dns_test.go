package membership_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dynomite-go/dynomite/engine/membership"
	"github.com/dynomite-go/dynomite/ring"
	"github.com/dynomite-go/dynomite/ring/seeds"
)

// zone is a tiny DNS server on a loopback UDP port whose records the test
// changes; the resolver it returns sends every query there.
type zone struct {
	mu   sync.Mutex
	txt  map[string][]string
	a    map[string][]string
	aaaa map[string][]string
	addr string
}

func newZone(t *testing.T) (*zone, *net.Resolver) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	z := &zone{addr: pc.LocalAddr().String()}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(z.serve), NotifyStartedFunc: func() { close(started) }}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", z.addr)
	}}
	return z, res
}

func (z *zone) serve(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	z.mu.Lock()
	defer z.mu.Unlock()
	found := false
	for _, q := range r.Question {
		hdr := dns.RR_Header{Name: q.Name, Class: dns.ClassINET, Rrtype: q.Qtype, Ttl: 1}
		switch q.Qtype {
		case dns.TypeTXT:
			for _, s := range z.txt[q.Name] {
				m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: []string{s}})
			}
			found = found || z.txt[q.Name] != nil
		case dns.TypeA:
			for _, s := range z.a[q.Name] {
				m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.ParseIP(s)})
			}
			found = found || z.a[q.Name] != nil || z.aaaa[q.Name] != nil
		case dns.TypeAAAA:
			for _, s := range z.aaaa[q.Name] {
				m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr, AAAA: net.ParseIP(s)})
			}
			found = found || z.a[q.Name] != nil || z.aaaa[q.Name] != nil
		}
	}
	if !found {
		m.Rcode = dns.RcodeNameError
	}
	w.WriteMsg(m)
}

func TestDNSProviderTXT(t *testing.T) {
	z, res := newZone(t)
	z.mu.Lock()
	z.txt = map[string][]string{"_dynomite.test.": {"10.0.0.2:8101:rack2:dc1:0|10.0.0.3:8101:rack3:dc1:0"}}
	z.mu.Unlock()
	p, err := membership.NewProvider(membership.Options{Provider: "dns_provider", Resolver: res,
		Getenv: env(map[string]string{"DYNOMITE_DNS_NAME": "_dynomite.test."})})
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := ring.HashByName("murmur")
	var snaps []*ring.Snapshot
	pl := membership.NewPoller(membership.PollerOptions{Provider: p, Timeout: time.Second, Self: self(), Hash: hash,
		OnChange: func(s *ring.Snapshot, _ []seeds.Seed) { snaps = append(snaps, s) }})
	ctx := context.Background()
	if changed, err := pl.Poll(ctx); !changed || err != nil || snaps[0].Nodes() != 3 {
		t.Fatalf("unexpected first poll; got %v, %v", changed, err)
	}
	// The node of rack2 moves to a new address.
	z.mu.Lock()
	z.txt["_dynomite.test."] = []string{"10.0.0.7:8101:rack2:dc1:0|10.0.0.3:8101:rack3:dc1:0"}
	z.mu.Unlock()
	if changed, err := pl.Poll(ctx); !changed || err != nil || snaps[1].Node(1).Addr != "10.0.0.7:8101" {
		t.Fatalf("unexpected poll after a move; got %v, %v", changed, err)
	}
	// The record disappears: an error, the last good list stays.
	z.mu.Lock()
	delete(z.txt, "_dynomite.test.")
	z.mu.Unlock()
	if changed, err := pl.Poll(ctx); changed || !errors.Is(err, membership.ErrProvider) {
		t.Fatalf("unexpected poll of a missing name; got %v, %v", changed, err)
	}
	if last, _ := pl.Last(); len(last) != 2 || last[0].Host != "10.0.0.7" {
		t.Fatalf("unexpected last list; got %+v", last)
	}
}

func TestDNSProviderA(t *testing.T) {
	z, res := newZone(t)
	z.mu.Lock()
	z.a = map[string][]string{"dyno.test.": {"10.0.0.3", "10.0.0.2"}}
	z.aaaa = map[string][]string{"dyno.test.": {"fd00::5"}}
	z.mu.Unlock()
	p, err := membership.NewProvider(membership.Options{Provider: "dns_provider", Resolver: res,
		DC: "dc1", Port: 8101, Tokens: []uint32{0},
		Getenv: env(map[string]string{"DYNOMITE_DNS_NAME": "dyno.test.", "DYNOMITE_DNS_TYPE": "A"})})
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Fetch(context.Background())
	const want = "10.0.0.2:8101:10.0.0.2:dc1:0|10.0.0.3:8101:10.0.0.3:dc1:0|[fd00::5]:8101:fd00__5:dc1:0"
	if err != nil || got != want {
		t.Fatalf("unexpected A list; got %q, %v; want %q", got, err, want)
	}
	list, skips, err := seeds.Parse(got, seeds.Limits{})
	if err != nil || len(skips) != 0 || len(list) != 3 {
		t.Fatalf("unexpected parse of the A list; got %v, %v", skips, err)
	}
	if _, err := membership.NewProvider(membership.Options{Provider: "dns_provider",
		Getenv: env(map[string]string{"DYNOMITE_DNS_TYPE": "A"})}); !errors.Is(err, membership.ErrBadOptions) {
		t.Fatalf("unexpected result for A mode without a place; got %v", err)
	}
}
