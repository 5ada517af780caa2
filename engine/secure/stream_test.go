package secure_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/secure"
)

// streamRig is a TLS listener in Direct mode whose handler runs serve on
// each Stream.
type streamRig struct {
	addr   string
	cfg    *tls.Config // the client's
	mu     sync.Mutex
	fails  []error
	served int
}

func startStreamRig(t *testing.T, serve func(*secure.Stream)) *streamRig {
	t.Helper()
	_, _, server, client := mutual(t)
	sc, err := secure.NewCerts(server)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := secure.NewCerts(client)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &streamRig{addr: ln.Addr().String(), cfg: cc.ClientConfig("127.0.0.1")}
	var wg sync.WaitGroup
	l := &secure.Listener{Config: sc.ServerConfig(), Timeout: hsTimeout,
		Direct: func(st *secure.Stream) {
			wg.Add(1)
			defer wg.Done()
			defer st.Close()
			r.mu.Lock()
			r.served++
			r.mu.Unlock()
			serve(st)
		},
		Failed: func(_ net.Addr, err error) {
			r.mu.Lock()
			r.fails = append(r.fails, err)
			r.mu.Unlock()
		}}
	done := make(chan struct{})
	go func() { _ = l.Serve(ln); close(done) }()
	t.Cleanup(func() {
		ln.Close()
		<-done
		wg.Wait()
	})
	return r
}

// writeLikeEngine writes b as the engine does: one WriteSome, and what it
// did not take with WriteAll.
func writeLikeEngine(st *secure.Stream, b []byte) (partial bool, err error) {
	n, err := st.WriteSome(b)
	if err != nil || n == len(b) {
		return false, err
	}
	return true, st.WriteAll(b[n:], 5*time.Second)
}

// An echo through Read, WriteSome and WriteAll; a client that does not
// read for a while gets every byte exactly once.
func TestStreamEchoAndSlowReader(t *testing.T) {
	const big = 4 << 20
	partials := make(chan bool, 1)
	r := startStreamRig(t, func(st *secure.Stream) {
		buf := make([]byte, 16<<10)
		n, err := io.ReadFull(st, buf[:5]) // "hello"
		if err != nil || n != 5 {
			return
		}
		if _, err := writeLikeEngine(st, bytes.ToUpper(buf[:5])); err != nil {
			return
		}
		// Then big bytes in chunks, without waiting for the client.
		seen := false
		payload := make([]byte, 64<<10)
		for off := 0; off < big; off += len(payload) {
			for i := range payload {
				payload[i] = byte((off + i) % 251)
			}
			p, err := writeLikeEngine(st, payload)
			if err != nil {
				break
			}
			seen = seen || p
		}
		partials <- seen
		_, _ = st.Read(buf) // the client's close
	})
	// A small receive buffer, so that the server's socket fills up.
	d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	c, err := tls.DialWithDialer(d, "tcp", r.addr, r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 5)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "HELLO" {
		t.Fatalf("unexpected echo %q, %v", got, err)
	}
	time.Sleep(200 * time.Millisecond) // the socket fills up
	all := make([]byte, big)
	if _, err := io.ReadFull(c, all); err != nil {
		t.Fatal(err)
	}
	for i, b := range all {
		if b != byte(i%251) {
			t.Fatalf("unexpected byte %d at %d; want %d", b, i, byte(i%251))
		}
	}
	if !<-partials {
		t.Fatal("the socket never filled up: the partial-write path was not exercised")
	}
}

// Close ends a WriteAll that waits for a client that does not read.
func TestStreamCloseEndsWait(t *testing.T) {
	res := make(chan error, 1)
	r := startStreamRig(t, func(st *secure.Stream) {
		go func() {
			time.Sleep(300 * time.Millisecond)
			st.Close()
		}()
		res <- st.WriteAll(make([]byte, 8<<20), 0)
	})
	c, err := tls.Dial("tcp", r.addr, r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case err := <-res:
		if err == nil {
			t.Fatal("unexpected WriteAll success to a client that does not read")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WriteAll still waits after Close")
	}
}

// A plain client, a stalled handshake and a client that trusts another CA
// fail their handshakes within the timeout and are never served.
func TestStreamBadClients(t *testing.T) {
	r := startStreamRig(t, func(st *secure.Stream) { _, _ = st.Read(make([]byte, 16)) })
	wait := func(n int) []error {
		t.Helper()
		deadline := time.Now().Add(hsTimeout + 2*time.Second)
		for time.Now().Before(deadline) {
			r.mu.Lock()
			f := append([]error(nil), r.fails...)
			r.mu.Unlock()
			if len(f) >= n {
				return f
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("fewer than %d failed handshakes reported", n)
		return nil
	}
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.Write([]byte("*1\r\n$4\r\nPING\r\n"))
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, _ = io.ReadAll(c)
	c.Close()
	wait(1)
	s, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if fails := wait(2); !errors.Is(fails[1], secure.ErrHandshakeTimeout) {
		t.Fatalf("unexpected failure for a stalled handshake; got %v; want %v", fails[1], secure.ErrHandshakeTimeout)
	}
	other := r.cfg.Clone()
	other.RootCAs = x509Pool(t, newCA(t, "other"))
	if _, err := tls.Dial("tcp", r.addr, other); err == nil {
		t.Fatal("unexpected handshake success with another CA")
	}
	wait(3)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.served != 0 {
		t.Fatalf("unexpected connections served: %d", r.served)
	}
}
