//go:build !portable

package sock

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// watched returns a pipe whose read end an epoll instance of its own
// polls level-triggered, as netpoll registers connections; all closed at
// the end of the test.
func watched(t *testing.T) (ep Poller, r, w int) {
	t.Helper()
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(epfd) })
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(p[0]); syscall.Close(p[1]) })
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(p[0])}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, p[0], &ev); err != nil {
		t.Fatal(err)
	}
	return Poller(epfd), p[0], p[1]
}

// ready reports whether an event of ep is ready now.
func ready(ep Poller) bool {
	got, _ := ep.Look(time.Now())
	return got == LookReady
}

// A look and a park count the descriptors ready, up to MaxReady.
func TestLookCounts(t *testing.T) {
	ep, _, w := watched(t)
	write := func(fd int) {
		if _, err := syscall.Write(fd, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	write(w)
	for i := 0; i < MaxReady+2; i++ {
		var p [2]int
		if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Close(p[0]); syscall.Close(p[1]) })
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(p[0])}
		if err := unix.EpollCtl(int(ep), unix.EPOLL_CTL_ADD, p[0], &ev); err != nil {
			t.Fatal(err)
		}
		want := min(i+1, MaxReady)
		if _, n := ep.Look(time.Now().Add(time.Second)); n != want {
			t.Fatalf("look with %d ready counted %d, want %d", i+1, n, want)
		}
		write(p[1])
		want = min(i+2, MaxReady)
		_, n := ep.Park(10_000)
		for tries := 0; n == 0 && tries < 100; tries++ { // a signal ended the park
			_, n = ep.Park(10_000)
		}
		if n != want {
			t.Fatalf("park with %d ready counted %d, want %d", i+2, n, want)
		}
	}
}

// FindPoller finds the epoll instance that polls a descriptor, and none
// for a descriptor no epoll instance lists.
func TestFindPoller(t *testing.T) {
	ep, r, w := watched(t)
	if got := FindPoller(r); got != ep {
		t.Fatalf("unexpected poller of fd %d; got %d; want %d", r, got, ep)
	}
	if got := FindPoller(w); got != NoPoller {
		t.Fatalf("a pipe no epoll polls was found in epoll %d", got)
	}
}

// Look ends empty at its deadline with nothing ready, ready as soon as an
// event is, without consuming it, and looks at nothing for an unknown
// poller.
func TestLook(t *testing.T) {
	ep, _, w := watched(t)
	start := time.Now()
	if got, n := ep.Look(start.Add(5 * time.Millisecond)); got != LookEmpty || n != 0 {
		t.Fatalf("unexpected look with nothing ready; got %d, %d ready; want LookEmpty, 0", got, n)
	}
	if d := time.Since(start); d < 5*time.Millisecond {
		t.Fatalf("an empty look ended after %v, before its 5ms deadline", d)
	}
	if _, err := syscall.Write(w, []byte("x")); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // level-triggered: the look leaves the event ready
		if got, n := ep.Look(time.Now().Add(time.Second)); got != LookReady || n != 1 {
			t.Fatalf("unexpected look %d with input ready; got %d, %d ready; want LookReady, 1", i, got, n)
		}
	}
	for _, p := range []Poller{0, NoPoller} {
		if got, _ := p.Look(time.Now().Add(time.Second)); got != LookNone {
			t.Fatalf("unexpected look at poller %d; got %d; want LookNone", p, got)
		}
	}
}

// Park ends empty after its bound with nothing ready, ready when an event
// comes while it waits (well before the bound) and at once when one is
// already ready, never consuming the event, and waits on nothing for an
// unknown poller. The parked goroutine keeps its P (a raw system call):
// the writer runs on another.
func TestPark(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), 2)))
	ep, r, w := watched(t)
	start := time.Now()
	got, _ := ep.Park(5)
	for got == LookReady && !ready(ep) && time.Since(start) < time.Second {
		start = time.Now() // a signal ended the park: park again
		got, _ = ep.Park(5)
	}
	if got != LookEmpty {
		t.Fatalf("unexpected park with nothing ready; got %d; want LookEmpty", got)
	}
	if d := time.Since(start); d < 4*time.Millisecond {
		t.Fatalf("an empty park ended after %v, before its 5ms bound", d)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		syscall.Write(w, []byte("x"))
	}()
	// A signal (the runtime preempting the parked goroutine) ends a park
	// early, as LookReady with nothing ready: park again until the byte
	// is there, within a bound.
	start = time.Now()
	for {
		if got, _ := ep.Park(10_000); got != LookReady {
			t.Fatalf("unexpected park woken by input; got %d; want LookReady", got)
		}
		if ready(ep) {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("no input 5s after a write 20ms after the park")
		}
	}
	if d := time.Since(start); d < 15*time.Millisecond {
		t.Fatalf("a park woken by a write 20ms later ended after %v", d)
	}
	for i := range 2 { // level-triggered: the park leaves the event ready
		if got, n := ep.Park(10_000); got != LookReady || n != 1 {
			t.Fatalf("unexpected park %d with input ready; got %d, %d ready; want LookReady, 1", i, got, n)
		}
	}
	var b [1]byte
	if n, err := syscall.Read(r, b[:]); n != 1 || err != nil {
		t.Fatalf("the event's byte is gone: read %d, %v", n, err)
	}
	for _, p := range []Poller{0, NoPoller} {
		if got, _ := p.Park(10_000); got != LookNone {
			t.Fatalf("unexpected park at poller %d; got %d; want LookNone", p, got)
		}
	}
}
