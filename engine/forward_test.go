package engine

import (
	"fmt"
	"testing"
)

func TestForwardSetGet(t *testing.T) {
	n, _ := proxy(t, nil)
	c := dial(t, n)
	expect(t, c, "+OK\r\n", "SET", "k", "v")
	expect(t, c, "$1\r\nv\r\n", "GET", "k")
	expect(t, c, "$-1\r\n", "GET", "missing")
	expect(t, c, ":1\r\n", "DEL", "k")
	expect(t, c, "+PONG\r\n", "PING")
}

func TestForwardPipelineInOrder(t *testing.T) {
	n, _ := proxy(t, nil)
	c := dial(t, n)
	const count = 1000
	for i := 0; i < count; i++ {
		if err := c.Send("SET", fmt.Sprintf("key:%d", i), fmt.Sprintf("value-%d", i)); err != nil {
			t.Fatal(err)
		}
		if err := c.Send("GET", fmt.Sprintf("key:%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < count; i++ {
		r, err := c.Read()
		if err != nil {
			t.Fatalf("cannot read reply %d: %v", 2*i, err)
		}
		if string(r.Raw) != "+OK\r\n" {
			t.Fatalf("unexpected reply %d; got %q; want +OK", 2*i, r.Raw)
		}
		r, err = c.Read()
		if err != nil {
			t.Fatalf("cannot read reply %d: %v", 2*i+1, err)
		}
		if want := fmt.Sprintf("value-%d", i); string(r.Str) != want {
			t.Fatalf("unexpected reply %d; got %q; want %q", 2*i+1, r.Str, want)
		}
	}
}
