package secure_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/secure"
)

// polledPair is a Polled server over a loopback TCP connection, with the
// test playing the event loop: pump reads the server socket and feeds
// the handshake.
type polledPair struct {
	p      *secure.Polled
	srv    net.Conn // the server's socket (the event loop's)
	cli    net.Conn // the client's raw socket
	closed atomic.Bool
	cfg    *tls.Config // the client's
}

func newPolledPair(t *testing.T) *polledPair {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cli, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	pp := &polledPair{srv: srv, cli: cli}
	t.Cleanup(func() { srv.Close(); cli.Close() })
	_, _, server, client := mutual(t)
	sc, err := secure.NewCerts(server)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := secure.NewCerts(client)
	if err != nil {
		t.Fatal(err)
	}
	pp.cfg = cc.ClientConfig("127.0.0.1")
	pp.p = secure.NewPolled(sc.ServerConfig(), secure.PolledIO{
		Local: srv.LocalAddr(), Remote: srv.RemoteAddr(),
		WriteAll: func(b []byte, wait time.Duration) error {
			_ = srv.SetWriteDeadline(time.Now().Add(wait))
			_, err := srv.Write(b)
			return err
		},
		Close: func() {
			pp.closed.Store(true)
			_ = srv.(*net.TCPConn).CloseWrite()
		},
	})
	return pp
}

// handshakeBoth runs both handshakes, the test feeding the server what
// its socket reads; it returns the client's TLS connection.
func (pp *polledPair) handshakeBoth(t *testing.T) *tls.Conn {
	t.Helper()
	tc := tls.Client(pp.cli, pp.cfg)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the event loop during the handshake
		defer wg.Done()
		buf := make([]byte, 4096)
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = pp.srv.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			n, err := pp.srv.Read(buf)
			if n > 0 {
				pp.p.Feed(buf[:n])
			}
			if err != nil && !errors.Is(err, net.ErrClosed) {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					continue
				}
				return
			}
		}
	}()
	cerr := make(chan error, 1)
	go func() { cerr <- tc.Handshake() }()
	if err := pp.p.Handshake(5 * time.Second); err != nil {
		t.Fatalf("server handshake: %v", err)
	}
	if err := <-cerr; err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	close(stop)
	wg.Wait()
	_ = pp.srv.SetReadDeadline(time.Time{})
	return tc
}

// readAvailable reads what the server socket has within d.
func (pp *polledPair) readSome(t *testing.T, d time.Duration) []byte {
	t.Helper()
	buf := make([]byte, 64<<10)
	_ = pp.srv.SetReadDeadline(time.Now().Add(d))
	n, _ := pp.srv.Read(buf)
	return buf[:n]
}

func TestPolledEcho(t *testing.T) {
	pp := newPolledPair(t)
	tc := pp.handshakeBoth(t)
	msg := bytes.Repeat([]byte("ping "), 5000) // more than one record
	if _, err := tc.Write(msg); err != nil {
		t.Fatal(err)
	}
	var got []byte
	plain := make([]byte, 16<<10)
	sink := func(b []byte) { got = append(got, b...) }
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < len(msg) && time.Now().Before(deadline) {
		raw := pp.readSome(t, 100*time.Millisecond)
		// Hand the records over one byte at a time: a record cut short
		// is kept by the record layer for the next call.
		for i := range raw {
			if err := pp.p.Decrypt(raw[i:i+1], plain, sink); err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
		}
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("unexpected plaintext: got %d bytes; want %d", len(got), len(msg))
	}
	out, err := pp.p.Seal(make([]byte, 0, 64), []byte("+PONG\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pp.srv.Write(out); err != nil {
		t.Fatal(err)
	}
	tc.SetReadDeadline(time.Now().Add(5 * time.Second))
	reply := make([]byte, 7)
	if _, err := io.ReadFull(tc, reply); err != nil || string(reply) != "+PONG\r\n" {
		t.Fatalf("unexpected reply %q, %v", reply, err)
	}

	// close_notify is io.EOF; nothing after it.
	if err := tc.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	raw := pp.readSome(t, 2*time.Second)
	if err := pp.p.Decrypt(raw, plain, sink); !errors.Is(err, io.EOF) {
		t.Fatalf("unexpected Decrypt result after close_notify: %v; want io.EOF", err)
	}
}

func TestPolledBadRecord(t *testing.T) {
	pp := newPolledPair(t)
	pp.handshakeBoth(t)
	// An application data record of garbage.
	bad := append([]byte{23, 3, 3, 0, 40}, bytes.Repeat([]byte{0x5a}, 40)...)
	err := pp.p.Decrypt(bad, make([]byte, 1024), func([]byte) { t.Fatal("unexpected plaintext") })
	if err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("unexpected Decrypt result for a forged record: %v; want an error", err)
	}
}

func TestPolledHandshakeFailures(t *testing.T) {
	t.Run("plain client", func(t *testing.T) {
		pp := newPolledPair(t)
		pp.p.Feed([]byte("*1\r\n$4\r\nPING\r\n"))
		start := time.Now()
		err := pp.p.Handshake(5 * time.Second)
		if err == nil || errors.Is(err, secure.ErrHandshakeTimeout) || time.Since(start) > 2*time.Second {
			t.Fatalf("unexpected handshake result %v after %v; want a prompt failure", err, time.Since(start))
		}
		if !pp.closed.Load() {
			t.Fatal("the socket was not closed after the failed handshake")
		}
	})
	t.Run("silent client", func(t *testing.T) {
		pp := newPolledPair(t)
		start := time.Now()
		err := pp.p.Handshake(200 * time.Millisecond)
		if d := time.Since(start); !errors.Is(err, secure.ErrHandshakeTimeout) || d < 150*time.Millisecond || d > 3*time.Second {
			t.Fatalf("unexpected handshake result %v after %v; want a timeout at 200ms", err, d)
		}
		if !pp.closed.Load() {
			t.Fatal("the socket was not closed after the timeout")
		}
	})
	t.Run("hang-up", func(t *testing.T) {
		pp := newPolledPair(t)
		go func() {
			time.Sleep(50 * time.Millisecond)
			pp.p.Hangup()
		}()
		err := pp.p.Handshake(5 * time.Second)
		if !errors.Is(err, io.EOF) {
			t.Fatalf("unexpected handshake result %v; want io.EOF", err)
		}
	})
}
