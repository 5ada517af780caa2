package admin

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// C Dynomite's stats thread reads one request, answers it and closes the
// connection; it needs nothing but the request line "GET <path> HTTP/1.x"
// (no Host header, and the blank line that ends the header block may be
// missing). The stats port is therefore served here, not by net/http,
// which refuses HTTP/1.1 requests without Host and waits for the blank line.

const (
	// maxRequest bounds what is read of one request (C reads up to 64 KiB).
	maxRequest = 64 << 10
	// requestTimeout bounds the wait for the request line.
	requestTimeout = 10 * time.Second
	// headerGrace is how long the rest of the header block may take once the
	// request line is in: a client that sends the request line alone is
	// answered after it.
	headerGrace = 200 * time.Millisecond
	// writeTimeout bounds the write of one reply.
	writeTimeout = 30 * time.Second
)

// serveConn answers one request on c and closes it.
func (s *Server) serveConn(c net.Conn) {
	defer c.Close()
	raw := readRequest(c)
	if len(raw) == 0 {
		return
	}
	line, rest, _ := bytes.Cut(raw, []byte("\n"))
	method, target, proto := splitRequestLine(string(line))
	header := parseHeader(rest)
	c.SetWriteDeadline(time.Now().Add(writeTimeout))
	if proto != "HTTP/1.0" && proto != "HTTP/1.1" {
		writeRaw(c, "HTTP/1.0", http.StatusBadRequest, contentText,
			[]byte("ERR bad request line; want GET <path> HTTP/1.0 or HTTP/1.1\r\n"), true)
		return
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		writeRaw(c, "HTTP/1.1", http.StatusBadRequest, contentText, []byte("ERR bad request path\r\n"), true)
		return
	}
	r := &http.Request{
		Method:     method,
		URL:        u,
		Proto:      proto,
		ProtoMajor: 1,
		ProtoMinor: int(proto[len(proto)-1] - '0'),
		Header:     header,
		Host:       header.Get("Host"),
		RequestURI: target,
		RemoteAddr: c.RemoteAddr().String(),
		Body:       http.NoBody,
	}
	header.Del("Accept-Encoding") // replies go out uncompressed
	rec := &recorder{header: http.Header{}}
	s.ServeHTTP(rec, r)
	code := rec.code
	if code == 0 {
		code = http.StatusOK
	}
	ct := rec.header.Get("Content-Type")
	if ct == "" {
		ct = contentText
	}
	writeRaw(c, "HTTP/1.1", code, ct, rec.body.Bytes(), method != http.MethodHead)
}

// splitRequestLine splits "GET /path HTTP/1.1\r\n" on blanks and tabs.
func splitRequestLine(line string) (method, target, proto string) {
	f := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' })
	if len(f) > 0 {
		method = f[0]
	}
	if len(f) > 1 {
		target = f[1]
	}
	if len(f) > 2 {
		proto = f[2]
	}
	return method, target, proto
}

// readRequest reads what the client sends of one request: up to the blank
// line that ends the header block, or whatever has come when the client
// pauses for headerGrace after its first bytes (C Dynomite answers the
// first packet), at most maxRequest bytes.
func readRequest(c net.Conn) []byte {
	buf := make([]byte, 0, 1024)
	c.SetReadDeadline(time.Now().Add(requestTimeout))
	for len(buf) < maxRequest {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := c.Read(buf[len(buf):min(cap(buf), maxRequest)])
		buf = buf[:len(buf)+n]
		if bytes.Contains(buf, []byte("\r\n\r\n")) || bytes.Contains(buf, []byte("\n\n")) || err != nil {
			break
		}
		if len(buf) > 0 {
			c.SetReadDeadline(time.Now().Add(headerGrace))
		}
	}
	return buf
}

// parseHeader reads "Key: value" lines up to the first empty one.
func parseHeader(b []byte) http.Header {
	h := http.Header{}
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		l := strings.TrimRight(string(line), "\r")
		if l == "" {
			break
		}
		if k, v, ok := strings.Cut(l, ":"); ok {
			h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	return h
}

// writeRaw writes a complete reply that closes the connection. Replies say
// HTTP/1.1 whatever the request's version, as C Dynomite's do.
func writeRaw(c net.Conn, proto string, code int, contentType string, body []byte, withBody bool) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %d %s\r\n", proto, code, http.StatusText(code))
	b.WriteString("Content-Type: " + contentType + "\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	b.WriteString("Cache-Control: no-store\r\nConnection: close\r\n\r\n")
	if withBody {
		b.Write(body)
	}
	c.Write(b.Bytes())
}

// recorder is the http.ResponseWriter the handlers write into.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.body.Write(p)
}

// acceptLoop serves ln until it is closed.
func (s *Server) acceptLoop(ln net.Listener) {
	defer s.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.log.Error("stats server stopped: " + err.Error())
			}
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(c)
		}()
	}
}
