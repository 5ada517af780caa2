package outbound

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/secure"
	"github.com/dynomite-go/dynomite/engine/sock"
)

// The set-up of a link's connection, before the connection takes requests:
//
//	dial: sock.Dial (plain) or secure.Dial (TLS, bridged) + sock.Adopt;
//	  a peer link with peer_tls: sock.Dial + the client handshake on a
//	  secure.Polled (dialPeerTLS), no bridge
//	  -> datastore only: AUTH [user] password, its reply read here
//	  -> a RESP3 datastore link: HELLO 3, its reply read here
//	  -> install (Connect): callbacks, the writer goroutine, Cur
//
// Each step is bounded by the dial timeout and blocks the dialling
// goroutine (a timer's, never a poller). A failed step closes the socket,
// and Connect's caller logs it and retries with the link's back-off. The
// AUTH reply never reaches a client: the connection is not installed
// until it is consumed.

// errAuthReply: the datastore refused AUTH (its error line is wrapped).
var errAuthReply = errors.New("outbound: datastore refused AUTH")

// AppendAuth appends the AUTH request for password, with user when it is
// not empty (Redis 6 ACL users), to dst.
func AppendAuth(dst []byte, user, password string) []byte {
	if user == "" {
		return resp.AppendCommand(dst, []byte("AUTH"), []byte(password))
	}
	return resp.AppendCommand(dst, []byte("AUTH"), []byte(user), []byte(password))
}

// dial connects the link and prepares the connection for requests.
func (lk *Link) dial() (netpoll.Connection, error) {
	nc, err := lk.dialSocket()
	if err != nil {
		return nil, err
	}
	if !lk.Peer && len(lk.env.DatastoreAuth) > 0 {
		if err := authenticate(nc, lk.env.DatastoreAuth, lk.env.DialTimeout); err != nil {
			nc.Close()
			return nil, fmt.Errorf("cannot authenticate to the datastore %s: %w", lk.Addr, err)
		}
	}
	if lk.RESP3 {
		if err := hello3(nc, lk.env.DialTimeout); err != nil {
			nc.Close()
			return nil, fmt.Errorf("cannot switch the datastore connection %s to RESP3: %w", lk.Addr, err)
		}
	}
	return nc, nil
}

// errHelloRefused: the datastore answered HELLO 3 with an error (a Redis
// before 6, or one that forbids HELLO).
var errHelloRefused = errors.New("outbound: datastore refused HELLO 3")

var hello3Req = resp.AppendCommand(nil, []byte("HELLO"), []byte("3"))

// hello3 sends HELLO 3 on nc and reads its whole reply (a map) within
// timeout.
func hello3(nc netpoll.Connection, timeout time.Duration) (err error) {
	defer bounded(nc, timeout, &err)()
	w := nc.Writer()
	if _, err := w.WriteBinary(hello3Req); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	r := nc.Reader()
	defer r.Release()
	sc := resp.ReplyScanner{Limits: resp.DefaultLimits}
	var got []byte
	for len(got) <= 1<<16 {
		line, err := r.Until('\n')
		if err != nil {
			return err
		}
		got = append(got, line...)
		n, err := sc.Scan(got)
		switch {
		case err == nil:
			if got[0] == '-' {
				return fmt.Errorf("%w: %q", errHelloRefused, bytes.TrimRight(got[:min(n, 200)], "\r\n"))
			}
			return nil
		case !errors.Is(err, resp.ErrIncomplete):
			return err
		}
		sc.Reset()
	}
	return errors.New("outbound: HELLO 3 reply too long")
}

// dialSocket connects plain or through TLS, as the link's Env says.
func (lk *Link) dialSocket() (netpoll.Connection, error) {
	cfgOf := lk.env.DatastoreTLS
	if lk.Peer {
		cfgOf = lk.env.PeerTLS
	}
	if cfgOf == nil {
		return sock.Dial(lk.network, lk.Addr, lk.env.DialTimeout)
	}
	f, err := secure.Dial(lk.network, lk.Addr, cfgOf(hostOf(lk.Addr)), lk.env.DialTimeout)
	if err != nil {
		return nil, err
	}
	return sock.Adopt(f)
}

// dialPeerTLS connects a peer link with peer_tls: a plain socket, and
// the client handshake run on it from the dialling goroutine, reading
// the socket through netpoll; both are bounded by the dial timeout. The
// returned Polled decrypts the connection's input and seals its output
// (Connect installs it): the event loop serves the socket as a plain one,
// with no goroutine or socketpair per connection.
func (lk *Link) dialPeerTLS() (netpoll.Connection, *secure.Polled, error) {
	timeout := lk.env.DialTimeout
	if timeout <= 0 {
		timeout = defaultHandshakeTimeout
	}
	nc, err := sock.Dial(lk.network, lk.Addr, timeout)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot dial %s: %w", lk.Addr, err)
	}
	fd := nc.(netpoll.Conn).Fd()
	p := secure.NewPolledClient(lk.env.PeerTLS(hostOf(lk.Addr)), secure.PolledIO{
		Local: nc.LocalAddr(), Remote: nc.RemoteAddr(),
		WriteAll: func(b []byte, wait time.Duration) error { return sock.WriteAll(fd, b, wait) },
		Close:    func() { nc.Close() },
		Read:     func(b []byte, deadline time.Time) (int, error) { return readSome(nc, b, deadline) },
	})
	if err := p.Handshake(timeout); err != nil {
		nc.Close()
		return nil, nil, err
	}
	_ = nc.SetReadTimeout(0)
	return nc, p, nil
}

// defaultHandshakeTimeout bounds a peer's TLS handshake when no dial
// timeout is set.
const defaultHandshakeTimeout = 5 * time.Second

// readSome copies to b what netpoll has read of nc (at least one byte,
// waiting until deadline), for a handshake run before the connection's
// OnRequest is set.
func readSome(nc netpoll.Connection, b []byte, deadline time.Time) (int, error) {
	left := time.Until(deadline)
	if left <= 0 {
		return 0, secure.ErrHandshakeTimeout
	}
	_ = nc.SetReadTimeout(left)
	r := nc.Reader()
	if _, err := r.Peek(1); err != nil {
		return 0, err
	}
	got, err := r.Next(min(r.Len(), len(b)))
	if err != nil {
		return 0, err
	}
	n := copy(b, got)
	return n, r.Release()
}

// hostOf is the name a TLS server's certificate is checked against.
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// authenticate sends req (AppendAuth) on nc and reads its one-line reply
// within timeout: "+..." is success, an error line is errAuthReply.
func authenticate(nc netpoll.Connection, req []byte, timeout time.Duration) (err error) {
	defer bounded(nc, timeout, &err)()
	w := nc.Writer()
	if _, err := w.WriteBinary(req); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	r := nc.Reader()
	line, err := r.Until('\n')
	if err != nil {
		return err
	}
	defer r.Release()
	line = bytes.TrimRight(line, "\r\n")
	if len(line) > 0 && line[0] == '+' {
		return nil
	}
	if len(line) > 200 {
		line = line[:200]
	}
	return fmt.Errorf("%w: %q", errAuthReply, line)
}

// tlsConfigFunc is the type of Env.DatastoreTLS and Env.PeerTLS.
type tlsConfigFunc = func(serverName string) *tls.Config
