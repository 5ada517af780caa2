//go:build linux && !portable

package core

import (
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dynomite-go/dynomite/engine/sock"
)

// epoll returns a new epoll instance, closed when the test ends.
func epoll(t *testing.T) int {
	t.Helper()
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(epfd) })
	return epfd
}

// watchedPipe returns a pipe whose read end epfd polls level-triggered, as
// netpoll registers connections; both ends closed when the test ends.
func watchedPipe(t *testing.T, epfd int) (r, w int) {
	t.Helper()
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fds[0]); syscall.Close(fds[1]) })
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fds[0])}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, fds[0], &ev); err != nil {
		t.Fatal(err)
	}
	return fds[0], fds[1]
}

// A poller whose parks find an event ready at once backs off to one park
// in backoffProbe after After of them in a row; one park that finds
// nothing ready resumes parking.
func TestParkBacksOff(t *testing.T) {
	epfd := epoll(t)
	r, w := watchedPipe(t, epfd)
	env := &Env{Epoch: time.Now()}
	env.Park.MS = 1
	env.Park.After = 4
	c := &Sock{env: env, FD: r, poller: sock.Poller(epfd)}

	c.Park() // nothing ready: waits its bound
	if got := env.Park.Wasted.Load(); got != 0 {
		t.Fatalf("wasted parks after an empty park: %d, want 0", got)
	}
	if got := env.Park.Waited.Load(); got != 1 {
		t.Fatalf("parks that waited: %d, want 1", got)
	}
	syscall.Write(w, []byte("x"))
	// A park ready at once takes well under parkAtOnce; one the machine
	// delays counts as one that waited and starts the count again: park
	// until After in a row were wasted, within a bound.
	for i := 0; env.Park.Wasted.Load() < 4; i++ {
		if i == 10_000 {
			t.Fatalf("wasted parks in a row after %d parks with input ready: %d, want 4", i, env.Park.Wasted.Load())
		}
		c.Park()
	}
	for range 3 * backoffProbe {
		c.Park()
	}
	if got := env.Park.Skipped.Load(); got < 2*backoffProbe {
		t.Fatalf("parks considered while backing off: %d, want at least %d", got, 2*backoffProbe)
	}
	var b [1]byte
	syscall.Read(r, b[:])
	for range backoffProbe { // one of them parks, finds nothing and resumes
		c.Park()
	}
	if got := env.Park.Wasted.Load(); got != 0 {
		t.Fatalf("wasted parks after a park that found nothing: %d, want 0", got)
	}
}

// After a park finds several events ready, the callbacks that follow (one
// per event) end without parking until the last of them, when the node
// runs one poller; with several pollers every callback parks.
func TestAfterCallbackSkipsKnownReady(t *testing.T) {
	epfd := epoll(t)
	for range 3 {
		_, w := watchedPipe(t, epfd)
		syscall.Write(w, []byte("x"))
	}
	for _, one := range []bool{true, false} {
		env := &Env{Epoch: time.Now()}
		env.Park.MS = 1
		env.Park.After = 1000
		env.Spin.onePoller = one
		c := &Sock{env: env, poller: sock.Poller(epfd)}
		// A park ready at once counts as wasted; one the machine delays
		// past parkAtOnce does not, so count the parks made (Ready is set
		// by every park that finds the three ready) through Ready itself.
		var parks int
		for range 8 {
			before := env.Spin.Ready.Load()
			c.AfterCallback(false)
			if before <= 1 {
				parks++
				if got := env.Spin.Ready.Load(); one && got != 3 {
					t.Fatalf("ready after a park with 3 ready: %d, want 3", got)
				}
			}
			if !one && env.Spin.Ready.Load() != 0 {
				t.Fatal("ready kept with several pollers")
			}
		}
		want := 8
		if one {
			want = 3 // callbacks 1, 4 and 7 park
		}
		if parks != want {
			t.Fatalf("one poller %v: %d parks in 8 callbacks, want %d", one, parks, want)
		}
	}
}
