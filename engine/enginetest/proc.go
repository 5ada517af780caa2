package enginetest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Bounds used by every Proc.
const (
	// StartTimeout bounds how long a Start function waits for the process to
	// answer on its client address.
	StartTimeout = 10 * time.Second
	// StopTimeout is how long Stop waits after SIGTERM before it sends SIGKILL.
	StopTimeout = 5 * time.Second
)

// Proc is one child process started by this package.
type Proc struct {
	Name       string // program name: redis-server, memcached, dynomite
	Addr       string // client address host:port; empty when only Socket is served
	Port       int    // client TCP port; 0 when only Socket is served
	Socket     string // Unix socket path, when one was asked for
	Dir        string // working directory: log file, configuration, data
	StatsAddr  string // dynomite: the stats_listen address
	ConfigFile string // dynomite: the YAML file given with -c

	path    string
	args    []string
	logPath string
	ready   func(p *Proc, deadline time.Time) error
	remove  []string // directories this package created; removed by Close

	mu  sync.Mutex // serialises start, Stop, Kill, Restart, Close
	run *run
}

// run is one execution of the program.
type run struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // Wait's result, set before done is closed
}

// PID returns the process id of the current (or last) execution, 0 if none.
func (p *Proc) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.run == nil {
		return 0
	}
	return p.run.cmd.Process.Pid
}

// Exited returns a channel closed when the current execution ends.
func (p *Proc) Exited() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.run == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return p.run.done
}

// Running reports whether the current execution has not ended.
func (p *Proc) Running() bool {
	select {
	case <-p.Exited():
		return false
	default:
		return true
	}
}

// Args returns the program's arguments.
func (p *Proc) Args() []string { return append([]string(nil), p.args...) }

// LogFile returns the path of the file receiving the program's stdout and stderr.
func (p *Proc) LogFile() string { return p.logPath }

// Log returns the last 8 KiB of the program's output.
func (p *Proc) Log() string {
	f, err := os.Open(p.logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	const tail = 8 << 10
	if st, err := f.Stat(); err == nil && st.Size() > tail {
		f.Seek(st.Size()-tail, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// startOrClose starts a new Proc (p.mu not held) and returns it, or closes it and
// returns the error.
func (p *Proc) startOrClose() (*Proc, error) {
	p.mu.Lock()
	err := p.start(StartTimeout)
	p.mu.Unlock()
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// start runs the program and waits until ready succeeds, the program exits,
// or timeout passes. Callers hold p.mu.
func (p *Proc) start(timeout time.Duration) error {
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		return fmt.Errorf("enginetest: %s: %w", p.Name, err)
	}
	if p.logPath == "" {
		p.logPath = filepath.Join(p.Dir, p.Name+".log")
	}
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("enginetest: %s: %w", p.Name, err)
	}
	cmd := exec.Command(p.path, p.args...)
	cmd.Dir = p.Dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()
	err = cmd.Start()
	logf.Close() // the child holds its own copy
	if err != nil {
		return fmt.Errorf("enginetest: start %s: %w", p.Name, err)
	}
	r := &run{cmd: cmd, done: make(chan struct{})}
	go func() {
		r.err = cmd.Wait()
		close(r.done)
	}()
	p.run = r
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-r.done:
			return fmt.Errorf("enginetest: %s %q exited before it was ready (%v); output:\n%s", p.Name, p.args, r.err, p.Log())
		default:
		}
		err := p.ready(p, time.Now().Add(200*time.Millisecond))
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			p.kill()
			return fmt.Errorf("enginetest: %s not ready within %v: %v; output:\n%s", p.Name, timeout, err, p.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL to the current execution and waits for it. Callers hold p.mu.
func (p *Proc) kill() {
	if p.run == nil {
		return
	}
	p.run.cmd.Process.Signal(syscall.SIGKILL)
	<-p.run.done
}

// Stop sends SIGTERM to the process, waits up to StopTimeout, then sends
// SIGKILL and waits. It returns an error when the process had to be killed or
// exited with a non-zero status (an exit caused by the SIGTERM itself, for a
// program that does not handle it, is not an error). Stopping a stopped
// process does nothing.
func (p *Proc) Stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stop()
}

func (p *Proc) stop() error {
	r := p.run
	if r == nil {
		return nil
	}
	select {
	case <-r.done:
		return nil
	default:
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(StopTimeout):
		r.cmd.Process.Signal(syscall.SIGKILL)
		<-r.done
		return fmt.Errorf("enginetest: %s (pid %d) did not exit within %v of SIGTERM; killed", p.Name, r.cmd.Process.Pid, StopTimeout)
	}
	var ee *exec.ExitError
	if errors.As(r.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM {
			return nil
		}
		return fmt.Errorf("enginetest: %s (pid %d) exited after SIGTERM: %v", p.Name, r.cmd.Process.Pid, r.err)
	}
	return r.err
}

// Kill sends SIGKILL to the process and waits for it to exit.
func (p *Proc) Kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.kill()
}

// Stacks asks a running Go program for the stacks of its goroutines by
// sending SIGABRT (the Go runtime prints them and exits), waits up to
// StopTimeout for it to exit, and returns the goroutines whose stacks
// mention one of the given substrings (all of them when none is given), at
// most limit bytes. The process is gone afterwards; Restart starts it again.
func (p *Proc) Stacks(limit int, mention ...string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.run
	if r == nil {
		return ""
	}
	select {
	case <-r.done:
		return ""
	default:
	}
	st, _ := os.Stat(p.logPath)
	r.cmd.Process.Signal(syscall.SIGABRT)
	select {
	case <-r.done:
	case <-time.After(StopTimeout):
		p.kill()
	}
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return ""
	}
	if st != nil && int64(len(b)) >= st.Size() {
		b = b[st.Size():]
	}
	var out strings.Builder
	for _, g := range strings.Split(string(b), "\n\n") {
		if !strings.HasPrefix(g, "goroutine ") {
			continue
		}
		keep := len(mention) == 0
		for _, m := range mention {
			keep = keep || strings.Contains(g, m)
		}
		if keep && out.Len()+len(g) < limit {
			out.WriteString(g)
			out.WriteString("\n\n")
		}
	}
	return out.String()
}

// Signal sends sig to the running process.
func (p *Proc) Signal(sig os.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.run == nil {
		return errors.New("enginetest: " + p.Name + " never started")
	}
	return p.run.cmd.Process.Signal(sig)
}

// Restart stops the process if it runs and starts it again with the same
// arguments (so on the same port), waiting until it is ready.
func (p *Proc) Restart() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stop()
	return p.start(StartTimeout)
}

// Close stops the process and removes the directories this package created
// for it. The returned error is Stop's.
func (p *Proc) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.stop()
	for _, d := range p.remove {
		os.RemoveAll(d)
	}
	p.remove = nil
	return err
}

// String names the process for messages.
func (p *Proc) String() string {
	addr := p.Addr
	if addr == "" {
		addr = p.Socket
	}
	return fmt.Sprintf("%s(pid %d, %s)", p.Name, p.PID(), addr)
}
