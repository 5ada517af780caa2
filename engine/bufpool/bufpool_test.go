package bufpool

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/cpu"
)

func TestGetPutCounts(t *testing.T) {
	var p Pool
	f := func(want int64) {
		t.Helper()
		if !counting {
			want = 0
		}
		if got := p.InUse(); got != want {
			t.Fatalf("unexpected buffers in use; got %d; want %d", got, want)
		}
	}
	f(0)
	a, b := p.Get(), p.Get()
	f(2)
	if len(a.B) != 0 || len(b.B) != 0 {
		t.Fatalf("unexpected non-empty buffers; got %d and %d bytes", len(a.B), len(b.B))
	}
	a.B = append(a.B, "payload"...)
	p.Put(a)
	f(1)
	p.Put(nil)
	f(1)
	p.Put(b)
	f(0)
	if c := p.Get(); len(c.B) != 0 {
		t.Fatalf("unexpected reused buffer content; got %q; want empty", c.B)
	}
	f(1)
}

func TestPoolsAreIndependent(t *testing.T) {
	var p, q Pool
	b := p.Get()
	if got := q.InUse(); got != 0 {
		t.Fatalf("unexpected buffers in use in the other pool; got %d; want 0", got)
	}
	p.Put(b)
}

func TestCounterHasItsOwnCacheLine(t *testing.T) {
	var p Pool
	line := unsafe.Sizeof(cpu.CacheLinePad{})
	off := unsafe.Offsetof(p.inUse)
	if before := off - unsafe.Sizeof(p.pool); before < line {
		t.Errorf("unexpected padding before the counter; got %d bytes; want at least %d", before, line)
	}
	if after := unsafe.Sizeof(p) - off - unsafe.Sizeof(p.inUse); after < line {
		t.Errorf("unexpected padding after the counter; got %d bytes; want at least %d", after, line)
	}
}

func TestConcurrentGetPut(t *testing.T) {
	var p Pool
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 1000 {
				b := p.Get()
				b.B = append(b.B, 'x')
				p.Put(b)
			}
		}()
	}
	for range 4 {
		<-done
	}
	if got := p.InUse(); got != 0 {
		t.Fatalf("unexpected buffers in use after every Put; got %d; want 0", got)
	}
}
