package membership_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/membership"
	"github.com/dynomite-go/dynomite/ring"
	"github.com/dynomite-go/dynomite/ring/seeds"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func self() seeds.Self {
	return seeds.Self{Node: ring.Node{Name: "127.0.0.1:8101", Addr: "127.0.0.1:8101", DC: "dc1", Rack: "rack1", Tokens: []uint32{0}}}
}

func TestSimpleProvider(t *testing.T) {
	p, err := membership.NewProvider(membership.Options{Provider: "simple_provider", Seeds: []conf.Seed{
		{Addr: conf.Addr{Network: "tcp", Host: "10.0.0.2", Port: 8101}, Rack: "rack2", DC: "dc1", Tokens: []uint32{5}},
		{Addr: conf.Addr{Network: "tcp", Host: "10.0.0.3", Port: 8101}, Rack: "rack3", DC: "dc1", Tokens: []uint32{1, 2}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Fetch(context.Background())
	if err != nil || got != "10.0.0.2:8101:rack2:dc1:5|10.0.0.3:8101:rack3:dc1:1,2" || p.Name() != "simple_provider" {
		t.Fatalf("unexpected simple list; got %q, %v", got, err)
	}
}

// florida is a florida server whose answers the test sets one by one.
type florida struct {
	mu      sync.Mutex
	status  int
	body    string
	hang    bool
	gotPath string
	gotUA   string
	release chan struct{}
}

func (f *florida) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	status, body, hang := f.status, f.body, f.hang
	f.gotPath, f.gotUA = r.URL.Path, r.UserAgent()
	f.mu.Unlock()
	if hang {
		select {
		case <-f.release:
		case <-r.Context().Done():
		}
		return
	}
	w.WriteHeader(status)
	w.Write([]byte(body))
}

func (f *florida) set(status int, body string, hang bool) {
	f.mu.Lock()
	f.status, f.body, f.hang = status, body, hang
	f.mu.Unlock()
}

func TestFloridaPoller(t *testing.T) {
	fl := &florida{release: make(chan struct{})}
	srv := httptest.NewServer(fl)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(fl.release) })
	host, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	p, err := membership.NewProvider(membership.Options{Provider: "florida_provider", Getenv: env(map[string]string{
		"DYNOMITE_FLORIDA_IP": host, "DYNOMITE_FLORIDA_PORT": port,
	})})
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := ring.HashByName("murmur")
	var got []*ring.Snapshot
	const timeout = 300 * time.Millisecond
	pl := membership.NewPoller(membership.PollerOptions{
		Provider: p, Timeout: timeout, Self: self(), Hash: hash,
		OnChange: func(s *ring.Snapshot, _ []seeds.Seed) { got = append(got, s) },
	})
	ctx := context.Background()

	fl.set(200, "127.0.0.1:8101:rack1:dc1:0|10.0.0.2:8101:rack2:dc1:0\n", false)
	if changed, err := pl.Poll(ctx); !changed || err != nil || got[0].Nodes() != 2 {
		t.Fatalf("unexpected first poll; got %v, %v", changed, err)
	}
	if fl.gotPath != "/REST/v1/admin/get_seeds" || fl.gotUA != "HTMLGET 1.0" {
		t.Fatalf("unexpected request; got path %q, user agent %q", fl.gotPath, fl.gotUA)
	}
	// The same list again, in another order: no change.
	fl.set(200, "10.0.0.2:8101:rack2:dc1:0|127.0.0.1:8101:rack1:dc1:0", false)
	if changed, err := pl.Poll(ctx); changed || err != nil {
		t.Fatalf("unexpected poll of the same list; got %v, %v", changed, err)
	}
	// A changed list: node 10.0.0.2 replaced at a new address, one added.
	fl.set(200, "10.0.0.9:8101:rack2:dc1:0|10.0.0.3:8101:rack3:dc1:0", false)
	if changed, err := pl.Poll(ctx); !changed || err != nil || len(got) != 2 || got[1].Nodes() != 3 || got[1].Node(1).Addr != "10.0.0.9:8101" {
		t.Fatalf("unexpected poll of a changed list; got %v, %v", changed, err)
	}
	// 500: an error, counted; the last good list stays.
	fl.set(500, "oops", false)
	if changed, err := pl.Poll(ctx); changed || !errors.Is(err, membership.ErrProvider) {
		t.Fatalf("unexpected poll of a 500; got %v, %v", changed, err)
	}
	// Garbage: no usable seed, also a failure.
	fl.set(200, strings.Repeat("garbage|", 100), false)
	if changed, err := pl.Poll(ctx); changed || !errors.Is(err, seeds.ErrEmpty) {
		t.Fatalf("unexpected poll of garbage; got %v, %v", changed, err)
	}
	// A server that hangs: the poll ends within the timeout.
	fl.set(200, "", true)
	start := time.Now()
	changed, err := pl.Poll(ctx)
	if el := time.Since(start); changed || !errors.Is(err, context.DeadlineExceeded) || el > timeout+time.Second {
		t.Fatalf("unexpected poll of a hung server; got %v, %v after %v", changed, err, el)
	}
	last, ok := pl.Last()
	if !ok || len(last) != 2 || last[0].Host != "10.0.0.9" {
		t.Fatalf("unexpected last good list; got %+v", last)
	}
	if st := pl.Stats(); st.Polls != 6 || st.Failures != 3 || st.Changes != 2 || st.Skipped != 100 {
		t.Fatalf("unexpected stats; got %+v", st)
	}
	if len(got) != 2 {
		t.Fatalf("unexpected snapshot count; got %d", len(got))
	}
}

func TestFloridaRequestVariable(t *testing.T) {
	var path, host atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path.Store(r.URL.Path)
		host.Store(r.Host)
		w.Write([]byte("10.0.0.2:8101:r:d:1"))
	}))
	t.Cleanup(srv.Close)
	h, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	p, err := membership.NewProvider(membership.Options{Provider: "florida_provider", Getenv: env(map[string]string{
		"DYNOMITE_FLORIDA_IP": h, "DYNOMITE_FLORIDA_PORT": port,
		"DYNOMITE_FLORIDA_REQUEST": `GET /seeds HTTP/1.0\r\nHost: florida.local\r\n\r\n`,
	})})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := p.Fetch(context.Background()); err != nil || s != "10.0.0.2:8101:r:d:1" || path.Load() != "/seeds" || host.Load() != "florida.local" {
		t.Fatalf("unexpected fetch; got %q, %v, path %v, host %v", s, err, path.Load(), host.Load())
	}
	if _, err := membership.NewProvider(membership.Options{Provider: "florida_provider", Getenv: env(map[string]string{"DYNOMITE_FLORIDA_REQUEST": "nonsense"})}); !errors.Is(err, membership.ErrBadOptions) {
		t.Fatalf("unexpected result for a bad request variable; got %v", err)
	}
}

func TestPollerRun(t *testing.T) {
	var n atomic.Int32
	p := providerFunc(func(context.Context) (string, error) {
		n.Add(1)
		return "10.0.0.2:8101:rack2:dc1:0", nil
	})
	hash, _ := ring.HashByName("murmur")
	changes := make(chan struct{}, 10)
	pl := membership.NewPoller(membership.PollerOptions{Provider: p, Interval: 20 * time.Millisecond, Self: self(), Hash: hash,
		OnChange: func(*ring.Snapshot, []seeds.Seed) { changes <- struct{}{} }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { pl.Run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for n.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if n.Load() < 3 || len(changes) != 1 {
		t.Fatalf("unexpected run; got %d polls, %d changes", n.Load(), len(changes))
	}
}

type providerFunc func(context.Context) (string, error)

func (f providerFunc) Name() string                              { return "test" }
func (f providerFunc) Fetch(ctx context.Context) (string, error) { return f(ctx) }
