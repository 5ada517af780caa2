package cmdgen

import (
	"bufio"
	"bytes"
	"fmt"
	"go/format"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// StartServer runs redis-server on a free loopback port and returns a func
// that stops exactly that process. Extra arguments are added to its
// command line ("--enable-debug-command", "yes").
func StartServer(bin string, extra ...string) (stop func(), addr string, err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	addr = l.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	l.Close()
	dir, err := os.MkdirTemp("", "resp-gen-")
	if err != nil {
		return nil, "", err
	}
	args := append([]string{"--port", port, "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir, "--daemonize", "no", "--loglevel", "warning"}, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, "", err
	}
	stop = func() {
		cmd.Process.Kill()
		cmd.Wait()
		os.RemoveAll(dir)
	}
	for i := 0; i < 100; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return stop, addr, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return nil, "", fmt.Errorf("redis-server did not listen on %s", addr)
}

// Generate asks the server at addr and returns the formatted Go source.
func Generate(addr string) ([]byte, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("cannot dial %s: %w", addr, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)

	info, err := call(c, r, "INFO", "server")
	if err != nil {
		return nil, err
	}
	version := field(string(asBytes(info)), "redis_version")
	if !strings.HasPrefix(version, "7.0.") {
		return nil, fmt.Errorf("need redis-server 7.0, %s is %q", addr, version)
	}
	reply, err := call(c, r, "COMMAND")
	if err != nil {
		return nil, err
	}
	cmds, err := decodeAll(reply)
	if err != nil {
		return nil, err
	}
	cmds, err = addDynomite(cmds)
	if err != nil {
		return nil, err
	}
	if err := checkFlags(cmds); err != nil {
		return nil, err
	}

	var b bytes.Buffer
	emit(&b, version, cmds)
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("cannot format generated source: %w\n%s", err, b.Bytes())
	}
	return src, nil
}

// field returns the value of "key:value" in an INFO text.
func field(info, key string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// call sends one command and reads its reply.
func call(c net.Conn, r *bufio.Reader, args ...string) (any, error) {
	var b []byte
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, "\r\n"...)
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, "\r\n"...)
		b = append(b, a...)
		b = append(b, "\r\n"...)
	}
	if _, err := c.Write(b); err != nil {
		return nil, fmt.Errorf("cannot send %s: %w", args[0], err)
	}
	v, err := read(r)
	if err != nil {
		return nil, fmt.Errorf("cannot read reply to %s: %w", args[0], err)
	}
	if e, ok := v.(error); ok {
		return nil, fmt.Errorf("%s: %w", args[0], e)
	}
	return v, nil
}

// read reads one RESP2 value: string (status), error, int64, []byte (bulk),
// []any (array) or nil.
func read(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, fmt.Errorf("empty reply line")
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return fmt.Errorf("%s", body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return buf[:n], nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		arr := make([]any, n)
		for i := range arr {
			if arr[i], err = read(r); err != nil {
				return nil, err
			}
		}
		return arr, nil
	}
	return nil, fmt.Errorf("unexpected reply line %q", line)
}
