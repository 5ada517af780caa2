package outbound

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/dnode"
)

// fakePeer accepts one connection on loopback, reads the hello and
// answers answer, then closes.
func fakePeer(t *testing.T, answer []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 256)
		if _, err := c.Read(buf); err != nil {
			return
		}
		_, _ = c.Write(answer)
		_, _ = c.Read(buf) // until the dialler closes
	}()
	return ln.Addr().String()
}

func framed(payload string) []byte {
	return append(dnode.AppendHeader(nil, dnode.Plain(1, dnode.TypeRes, true, uint32(len(payload)))), payload...)
}

func TestDialTunnelRefusals(t *testing.T) {
	e := &Env{DialTimeout: time.Second}
	hello := []byte("hello\r\n")
	dial := func(answer []byte) error {
		t.Helper()
		lk := NewLink(e, 0, "tcp", fakePeer(t, answer))
		lk.Peer = true
		s, err := e.DialTunnel(lk, hello, nil, nil)
		if s != nil {
			t.Fatal("a refused tunnel was installed")
		}
		return err
	}
	if err := dial(framed("-ERR no such user\r\n")); !errors.Is(err, errTunnelRefused) || !strings.Contains(err.Error(), "no such user") {
		t.Fatalf("an error answer: got %v", err)
	}
	if err := dial(framed(":1\r\n")); !errors.Is(err, errTunnelRefused) {
		t.Fatalf("an integer answer: got %v", err)
	}
	if err := dial([]byte(strings.Repeat("x", 3*maxHelloReply))); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("garbage: got %v", err)
	}
	req := append(dnode.AppendHeader(nil, dnode.Plain(1, dnode.TypeReq, true, 6)), "+OK\r\n"...)
	if err := dial(req); err == nil || !strings.Contains(err.Error(), "unexpected dnode frame") {
		t.Fatalf("a request frame: got %v", err)
	}
	if err := dial(framed("+OK")); err == nil {
		t.Fatal("a truncated answer: no error")
	}
	lk := NewLink(e, 0, "tcp", "127.0.0.1:1")
	lk.Peer, lk.Secure = true, true
	if _, err := e.DialTunnel(lk, hello, nil, nil); !errors.Is(err, ErrTunnelEncrypted) {
		t.Fatalf("an encrypted link: got %v", err)
	}
}
