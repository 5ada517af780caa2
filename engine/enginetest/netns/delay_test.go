//go:build linux

package netns_test

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest/netns"
)

// echo serves line echo on a loopback port until the test ends.
func echo(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadBytes('\n')
					if err != nil {
						return
					}
					c.Write(line)
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader) time.Duration {
	t.Helper()
	start := time.Now()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	if line, err := r.ReadString('\n'); err != nil || line != "ping\n" {
		t.Fatalf("unexpected echo; got %q, %v", line, err)
	}
	return time.Since(start)
}

func TestDelay(t *testing.T) {
	d := netns.NewDelay(t, "127.0.0.1:0", echo(t), 100*time.Millisecond)
	c, err := net.DialTimeout("tcp", d.Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if rtt := roundTrip(t, c, r); rtt < 200*time.Millisecond || rtt > 2*time.Second {
		t.Fatalf("unexpected round trip with 100ms each way; got %v", rtt)
	}
	if err := d.Set(0); err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, r) // the first chunk may still wait out the old toxic
	if rtt := roundTrip(t, c, r); rtt > 100*time.Millisecond {
		t.Fatalf("unexpected round trip without latency; got %v", rtt)
	}
	d.Close()
	d.Close()
	if _, err := net.DialTimeout("tcp", d.Addr, time.Second); err == nil {
		t.Fatal("unexpected connection to a closed delay proxy")
	}
}
