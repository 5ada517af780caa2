package enginetest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// RedisOptions configures StartRedis.
type RedisOptions struct {
	Path string   // redis-server binary; default: redis-server on PATH, else /usr/bin/redis-server
	Port int      // TCP port on 127.0.0.1; 0 picks a free one
	Unix bool     // also listen on a Unix socket (Proc.Socket)
	Dir  string   // working and data directory; "" creates a temporary one
	Args []string // extra arguments, e.g. "--maxmemory", "10mb"
}

// MemcachedOptions configures StartMemcached.
type MemcachedOptions struct {
	Path string   // memcached binary; default: memcached on PATH, else /usr/bin/memcached
	Port int      // TCP port on 127.0.0.1; 0 picks a free one
	Unix bool     // listen on a Unix socket only (memcached then serves no TCP)
	Dir  string   // working directory; "" creates a temporary one
	Args []string // extra arguments
}

func findProgram(path, name string) (string, error) {
	if path != "" {
		return path, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	p := "/usr/bin/" + name
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("enginetest: %s not found on PATH nor at %s (make deps installs it)", name, p)
	}
	return p, nil
}

// workDir returns dir, or a new temporary directory that the Proc will remove.
func workDir(dir, prefix string) (string, []string, error) {
	if dir != "" {
		return dir, nil, nil
	}
	d, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, fmt.Errorf("enginetest: %w", err)
	}
	return d, []string{d}, nil
}

// socketPath returns a Unix socket path in dir, or in a new short temporary
// directory when dir is too long for a socket address.
func socketPath(dir, name string) (string, []string, error) {
	p := filepath.Join(dir, name)
	if len(p) < 100 {
		return p, nil, nil
	}
	d, err := os.MkdirTemp("", "et")
	if err != nil {
		return "", nil, fmt.Errorf("enginetest: %w", err)
	}
	return filepath.Join(d, name), []string{d}, nil
}

// StartRedis starts redis-server on 127.0.0.1 (no persistence, data in a
// temporary directory) and returns once it answers PING.
func StartRedis(opts RedisOptions) (*Proc, error) {
	path, err := findProgram(opts.Path, "redis-server")
	if err != nil {
		return nil, err
	}
	dir, remove, err := workDir(opts.Dir, "redis")
	if err != nil {
		return nil, err
	}
	p := &Proc{Name: "redis-server", Dir: dir, path: path, remove: remove, ready: redisReady}
	if opts.Unix {
		s, rm, err := socketPath(dir, "redis.sock")
		if err != nil {
			p.Close()
			return nil, err
		}
		p.Socket = s
		p.remove = append(p.remove, rm...)
	}
	err = startOnPort(p, opts.Port, func(port int) []string {
		args := []string{
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir,
			"--daemonize", "no", "--logfile", "",
		}
		if p.Socket != "" {
			args = append(args, "--unixsocket", p.Socket, "--unixsocketperm", "700")
		}
		return append(args, opts.Args...)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// StartMemcached starts memcached on 127.0.0.1 (or on a Unix socket only) and
// returns once it answers "version".
func StartMemcached(opts MemcachedOptions) (*Proc, error) {
	path, err := findProgram(opts.Path, "memcached")
	if err != nil {
		return nil, err
	}
	dir, remove, err := workDir(opts.Dir, "memcached")
	if err != nil {
		return nil, err
	}
	p := &Proc{Name: "memcached", Dir: dir, path: path, remove: remove, ready: memcachedReady}
	base := []string{"-m", "64"}
	if os.Geteuid() == 0 {
		base = append(base, "-u", "root")
	}
	if opts.Unix {
		s, rm, err := socketPath(dir, "memcached.sock")
		if err != nil {
			p.Close()
			return nil, err
		}
		p.Socket = s
		p.remove = append(p.remove, rm...)
		p.args = append(append(append([]string(nil), base...), "-s", s), opts.Args...)
		return p.startOrClose()
	}
	err = startOnPort(p, opts.Port, func(port int) []string {
		args := append(append([]string(nil), base...), "-l", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "0")
		return append(args, opts.Args...)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// startOnPort starts p on port, or on a free port when port is 0, trying new
// ports when another process took the chosen one first.
func startOnPort(p *Proc, port int, args func(port int) []string) error {
	tries := 1
	if port == 0 {
		tries = 3
	}
	var err error
	for i := 0; i < tries; i++ {
		pt := port
		if pt == 0 {
			if pt, err = FreePort(); err != nil {
				break
			}
		}
		p.Port = pt
		p.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(pt))
		p.args = args(pt)
		p.mu.Lock()
		err = p.start(StartTimeout)
		p.mu.Unlock()
		if err == nil {
			return nil
		}
		if !strings.Contains(strings.ToLower(err.Error()), "address already in use") {
			break
		}
	}
	p.Close()
	return err
}

// clientAddr returns the network and address a client should dial.
func (p *Proc) clientAddr() (string, string) {
	if p.Addr != "" {
		return "tcp", p.Addr
	}
	return "unix", p.Socket
}

func dialLine(p *Proc, deadline time.Time, req string, wantPrefix ...string) error {
	network, addr := p.clientAddr()
	c, err := net.DialTimeout(network, addr, time.Until(deadline))
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(deadline)
	if _, err := c.Write([]byte(req)); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	for _, w := range wantPrefix {
		if strings.HasPrefix(line, w) {
			return nil
		}
	}
	return errors.New("unexpected reply " + strconv.Quote(line))
}

func redisReady(p *Proc, deadline time.Time) error {
	// A redis-server with requirepass answers, though not with PONG.
	if err := dialLine(p, deadline, "PING\r\n", "+PONG", "-NOAUTH"); err != nil {
		return err
	}
	if p.Socket != "" && p.Addr != "" {
		c, err := net.DialTimeout("unix", p.Socket, time.Until(deadline))
		if err != nil {
			return err
		}
		c.Close()
	}
	return nil
}

func memcachedReady(p *Proc, deadline time.Time) error {
	return dialLine(p, deadline, "version\r\n", "VERSION ")
}
