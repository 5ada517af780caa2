package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

const rssLimit = 200 << 20

// watcher keeps one well-behaved client busy with set/get rounds and
// records anything wrong, including a round slower than watchLatency. The
// protocol lives in its round function (startWatcher for Redis,
// startMCWatcher for memcached).
type watcher struct {
	stop   chan struct{}
	done   chan struct{}
	began  time.Time
	rounds int
	errs   []string
}

const watchLatency = 2 * time.Second

// runWatcher runs round(i, value) until stopped, then calls closeConn. round
// returns the problems of one round; a fatal one ends the watcher.
func runWatcher(round func(i int, v string) (problems []string, fatal bool), closeConn func()) *watcher {
	w := &watcher{stop: make(chan struct{}), done: make(chan struct{}), began: time.Now()}
	go func() {
		defer close(w.done)
		defer closeConn()
		for i := 0; i < 100000; i++ {
			select {
			case <-w.stop:
				return
			default:
			}
			start := time.Now()
			problems, fatal := round(i, fmt.Sprint(i))
			w.errs = append(w.errs, problems...)
			if fatal {
				return
			}
			if d := time.Since(start); d > watchLatency {
				w.errs = append(w.errs, fmt.Sprintf("round %d took %v", i, d.Round(time.Millisecond)))
			}
			w.rounds++
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return w
}

// startWatcher watches a Redis node with SET/GET pairs.
func startWatcher(t *testing.T, addr string) *watcher {
	t.Helper()
	c := enginetest.DialTB(t, addr)
	c.Timeout = 10 * time.Second
	return runWatcher(func(i int, v string) ([]string, bool) {
		c.Send("SET", "watch", v)
		c.Send("GET", "watch")
		if err := c.Flush(); err != nil {
			return []string{err.Error()}, true
		}
		var problems []string
		for j, want := range []string{"+OK\r\n", fmt.Sprintf("$%d\r\n%s\r\n", len(v), v)} {
			r, err := c.Read()
			if err != nil {
				return append(problems, fmt.Sprintf("round %d reply %d: %v", i, j, err)), true
			}
			if string(r.Raw) != want {
				problems = append(problems, fmt.Sprintf("round %d reply %d: got %q; want %q", i, j, trunc(r.Raw), want))
			}
		}
		return problems, false
	}, func() { c.Close() })
}

// check stops the watcher (closing its connection) and fails the test if it
// saw anything wrong or was starved: it must have managed a round per 200 ms.
func (w *watcher) check(t *testing.T) {
	t.Helper()
	close(w.stop)
	<-w.done
	minRounds := int(time.Since(w.began) / (200 * time.Millisecond))
	for i, e := range w.errs {
		if i == 10 {
			break
		}
		t.Errorf("well-behaved client: %s", e)
	}
	if w.rounds < minRounds {
		t.Errorf("well-behaved client served only %d rounds; want at least %d", w.rounds, minRounds)
	}
}

// rawConn is a client connection for bytes that are not valid RESP.
type rawConn struct {
	t    *testing.T
	conn *net.TCPConn
	c    *enginetest.Client
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c := enginetest.DialTB(t, addr)
	c.Timeout = 5 * time.Second
	return &rawConn{t: t, conn: c.Conn.(*net.TCPConn), c: c}
}

func (r *rawConn) write(s string) {
	r.t.Helper()
	r.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.conn.Write([]byte(s)); err != nil {
		r.t.Fatalf("write %q: %v", trunc([]byte(s)), err)
	}
}

// expect reads one reply and requires it to be exactly want, or to start
// with want when want ends in "...".
func (r *rawConn) expect(what, want string) {
	r.t.Helper()
	rep, err := r.c.Read()
	if err != nil {
		r.t.Fatalf("%s: no reply: %v; want %q", what, err, want)
	}
	if p, ok := strings.CutSuffix(want, "..."); ok {
		if !bytes.HasPrefix(rep.Raw, []byte(p)) {
			r.t.Fatalf("%s: unexpected reply; got %q; want %q...", what, trunc(rep.Raw), p)
		}
		return
	}
	if string(rep.Raw) != want {
		r.t.Fatalf("%s: unexpected reply; got %q; want %q", what, trunc(rep.Raw), want)
	}
}

// expectClosed requires the node to close the connection within 3 s without
// sending anything more.
func (r *rawConn) expectClosed(what string) {
	r.t.Helper()
	r.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	rest, err := io.ReadAll(io.MultiReader(bufferedReader(r.c), r.conn))
	if err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		r.t.Fatalf("%s: connection not closed by the node: %v (after %q)", what, err, trunc(rest))
	}
	if len(rest) > 0 {
		r.t.Fatalf("%s: unexpected bytes before the close: %q", what, trunc(rest))
	}
}

// usable requires the connection to still serve a PING.
func (r *rawConn) usable(what string) {
	r.t.Helper()
	r.write("*1\r\n$4\r\nPING\r\n")
	r.expect(what+", then PING", "+PONG\r\n")
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

// bufferedReader returns the bytes the client has read ahead but not parsed.
func bufferedReader(c *enginetest.Client) io.Reader {
	var buf bytes.Buffer
	for {
		c.Conn.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		r, err := c.Read()
		if err != nil {
			break
		}
		buf.Write(r.Raw)
	}
	return &buf
}

// TestBadInput sends malformed and hostile input, each on its own
// connection, while another client keeps being served.
func TestBadInput(t *testing.T) {
	node, redis := proxy(t, nil)
	base := baselineFDs(t, node)
	rss := watchRSS(node.PID())
	w := startWatcher(t, node.Addr)
	began := time.Now()

	const protoErr = "-ERR Protocol error: ..."
	// Malformed frames: an error reply, then the node closes the connection.
	malformed := []struct{ name, input, before string }{
		{"bad type byte", "*1\r\n!3\r\nfoo\r\n", ""},
		{"negative bulk length", "*2\r\n$3\r\nGET\r\n$-5\r\n", ""},
		{"non-numeric multibulk length", "*x\r\n", ""},
		{"non-numeric bulk length", "*2\r\n$3\r\nGET\r\n$abc\r\n", ""},
		{"bulk length 10^12", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000000000000\r\n", ""},
		{"array of 10^9 elements", "*1000000000\r\n$3\r\nGET\r\n", ""},
		{"good frame then bad", "*1\r\n$4\r\nPING\r\n*1\r\n!3\r\n", "+PONG\r\n"},
	}

	t.Run("group", func(t *testing.T) {
		for _, tc := range malformed {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				c := dialRaw(t, node.Addr)
				c.write(tc.input)
				if tc.before != "" {
					c.expect(tc.name, tc.before)
				}
				c.expect(tc.name, protoErr)
				c.expectClosed(tc.name)
			})
		}

		t.Run("half a frame then close", func(t *testing.T) {
			t.Parallel()
			c := dialRaw(t, node.Addr)
			c.write("*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$5\r\nab")
			c.conn.CloseWrite()
			// The complete request is still answered; then the node closes.
			c.expect("complete request before the half frame", "+PONG\r\n")
			c.conn.SetReadDeadline(time.Now().Add(3 * time.Second))
			rest, err := io.ReadAll(c.conn)
			if err != nil && !isReset(err) {
				t.Fatalf("connection not closed after the client's half frame and shutdown: %v", err)
			}
			if len(rest) > 0 && !bytes.HasPrefix(rest, []byte("-ERR Protocol error: ")) {
				t.Fatalf("unexpected bytes after the half frame; got %q; want nothing or a protocol error", trunc(rest))
			}
		})

		for _, g := range []struct {
			name  string
			first byte
		}{{"10 MiB of garbage after *", '*'}, {"10 MiB of garbage without a newline", 'A'}} {
			t.Run(g.name, func(t *testing.T) {
				t.Parallel()
				garbage := make([]byte, 10<<20)
				rng := rand.New(rand.NewPCG(1, 2))
				for i := range garbage {
					garbage[i] = byte(rng.IntN(256))
					if garbage[i] == '\n' {
						garbage[i] = 'x'
					}
				}
				garbage[0] = g.first
				c := dialRaw(t, node.Addr)
				go func() {
					// The node may close before all is written: write errors are expected.
					c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
					c.conn.Write(garbage)
				}()
				c.expect(g.name, protoErr)
				c.expectClosed(g.name)
			})
		}

		t.Run("slow loris, malformed", func(t *testing.T) {
			t.Parallel()
			c := dialRaw(t, node.Addr)
			for _, ch := range "*1x\r\n" { // 5 bytes, one a second
				c.write(string(ch))
				time.Sleep(time.Second)
			}
			c.expect("slow malformed frame", protoErr)
			c.expectClosed("slow malformed frame")
		})

		t.Run("slow loris, valid", func(t *testing.T) {
			t.Parallel()
			c := dialRaw(t, node.Addr)
			for _, ch := range "*1\r\n$" {
				c.write(string(ch))
				time.Sleep(time.Second)
			}
			c.write("4\r\nPING\r\n")
			c.expect("slow valid frame", "+PONG\r\n")
			c.usable("slow valid frame")
		})

		// Bad requests that are well-formed RESP: an error reply, and the
		// connection stays usable. Where Redis's own text is the contract, the
		// reply must equal what redis-server answers directly.
		direct := dialRaw(t, redis.Addr)
		redisSays := func(req string) string {
			t.Helper()
			direct.write(req)
			r, err := direct.c.Read()
			if err != nil {
				t.Fatalf("direct redis: %v", err)
			}
			return string(r.Raw)
		}
		sameAsRedis := []struct{ name, req string }{
			{"GET alone", "*1\r\n$3\r\nGET\r\n"},
			{"MGET alone", "*1\r\n$4\r\nMGET\r\n"},
			{"SET with one argument", "*2\r\n$3\r\nSET\r\n$1\r\nk\r\n"},
			{"unknown command", "*3\r\n$6\r\nFOOBAR\r\n$1\r\na\r\n$2\r\nbc\r\n"},
			{"GET of an empty key", "*2\r\n$3\r\nGET\r\n$0\r\n\r\n"}, // a legal key in Redis
		}
		for _, tc := range sameAsRedis {
			want := redisSays(tc.req)
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				c := dialRaw(t, node.Addr)
				c.write(tc.req)
				c.expect(tc.name, want)
				c.usable(tc.name)
			})
		}

		t.Run("100 KB command name", func(t *testing.T) {
			t.Parallel()
			c := dialRaw(t, node.Addr)
			name := strings.Repeat("A", 100<<10)
			c.write(fmt.Sprintf("*2\r\n$%d\r\n%s\r\n$1\r\nk\r\n", len(name), name))
			c.expect("100 KB command name", "-ERR unknown command ...")
			c.usable("100 KB command name")
		})

		t.Run("local errors keep pipeline order", func(t *testing.T) {
			t.Parallel()
			c := dialRaw(t, node.Addr)
			c.write("*3\r\n$3\r\nSET\r\n$5\r\norder\r\n$1\r\n1\r\n" + "*1\r\n$3\r\nGET\r\n" + "*1\r\n$3\r\nNOP\r\n" + "*2\r\n$3\r\nGET\r\n$5\r\norder\r\n")
			c.expect("SET", "+OK\r\n")
			c.expect("GET alone", "-ERR wrong number of arguments ...")
			c.expect("unknown command", "-ERR unknown command ...")
			c.expect("GET", "$1\r\n1\r\n")
		})

		t.Run("inline PING", func(t *testing.T) {
			t.Parallel()
			c := dialRaw(t, node.Addr)
			c.write("PING\r\n")
			c.expect("inline PING", "+PONG\r\n")
			c.usable("inline PING")
		})

		t.Run("QUIT", func(t *testing.T) {
			t.Parallel()
			c := dialRaw(t, node.Addr)
			c.write("*1\r\n$4\r\nQUIT\r\n")
			c.expect("QUIT", "+OK\r\n")
			c.expectClosed("QUIT")
		})
	})

	w.check(t)
	peak := rss.Stop()
	hwm, err := enginetest.PeakRSS(node.PID())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("took %v; node RSS: sampled max %s, peak %s", time.Since(began).Round(time.Millisecond), mib(peak), mib(hwm))
	if peak > rssLimit || hwm > rssLimit {
		t.Errorf("unexpected node memory; sampled max %s, peak %s; want under %s", mib(peak), mib(hwm), mib(rssLimit))
	}
	if n := settleFDs(t, node.PID(), base, 5*time.Second); n > base {
		t.Errorf("unexpected fd count after the bad clients left; got %d; want at most %d", n, base)
	}
}
