package outbound

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/cloudwego/netpoll"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/batch"
)

// A client tunnel is a dedicated connection to a peer of the local rack
// instead of the local datastore: it serves a client whose blocking
// command or transaction runs on keys that peer owns. It is dialled as
// the peer's links are (plain, or TLS with peer_tls), then sends one dnode
// request frame, the hello, whose payload is a RESP command the peer
// recognises (the engine builds it); the peer answers with one DMSG_RES
// frame, +OK or an error line, read here. From then on both directions
// carry plain RESP, as on a client's connection: the conn is installed as
// a dedicated one (DialDedicated).

// ErrTunnelEncrypted: a client tunnel carries plain RESP, so it is not
// opened to a peer whose links Dynomite's secure_server_option encrypts.
var ErrTunnelEncrypted = errors.New("outbound: the links to this peer are encrypted (secure_server_option); a client tunnel is plaintext")

// errTunnelRefused: the peer answered the hello with an error.
var errTunnelRefused = errors.New("outbound: peer refused the client tunnel")

// maxHelloReply bounds the peer's answer to the hello.
const maxHelloReply = 4 << 10

// DialTunnel dials a client tunnel to the peer that lk links to, sends
// hello (a whole dnode request frame) and waits, within the dial
// timeout, for the peer's answer; then it is DialDedicated's conn: tunnel
// gets the bytes read, closed runs once after it closed. The dial blocks:
// callers run it off the pollers.
func (e *Env) DialTunnel(lk *Link, hello []byte, tunnel func(b []byte, bt *batch.Batch), closed func()) (*Conn, error) {
	if lk.Secure {
		return nil, fmt.Errorf("cannot open a client tunnel to %s: %w", lk.Addr, ErrTunnelEncrypted)
	}
	tl := &Link{env: e, network: lk.network, Addr: lk.Addr, Peer: true, SameDC: lk.SameDC, stopped: true, down: true}
	nc, err := tl.dialSocket()
	if err != nil {
		return nil, fmt.Errorf("cannot dial a client tunnel to %s: %w", lk.Addr, err)
	}
	if err := tunnelHello(nc, hello, e.DialTimeout); err != nil {
		nc.Close()
		return nil, fmt.Errorf("cannot open a client tunnel to %s: %w", lk.Addr, err)
	}
	return e.installDedicated(tl, nc, tunnel, closed), nil
}

// tunnelHello writes hello on nc and reads the peer's one framed reply
// within timeout: nil for a simple-string reply, errTunnelRefused (with
// the peer's error line) for an error.
func tunnelHello(nc netpoll.Connection, hello []byte, timeout time.Duration) (err error) {
	defer bounded(nc, timeout, &err)()
	w := nc.Writer()
	if _, err := w.WriteBinary(hello); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	r := nc.Reader()
	defer r.Release()
	var (
		got []byte
		dp  dnode.Parser
		h   dnode.Header
		sc  = resp.ReplyScanner{Limits: resp.DefaultLimits}
	)
	for len(got) < maxHelloReply {
		if _, err := r.Peek(1); err != nil {
			return err
		}
		b, err := r.Next(min(r.Len(), maxHelloReply-len(got)))
		if err != nil {
			return err
		}
		got = append(got, b...)
		skipped, hn, err := dp.Parse(got, &h)
		if errors.Is(err, dnode.ErrIncomplete) {
			continue
		}
		if err != nil {
			return err
		}
		if h.Type != dnode.TypeRes || h.Encrypted() {
			return fmt.Errorf("outbound: unexpected dnode frame (type %d) in answer to the client tunnel", h.Type)
		}
		body := got[skipped+hn:]
		n, err := sc.Scan(body)
		sc.Reset()
		switch {
		case errors.Is(err, resp.ErrIncomplete):
			continue
		case err != nil:
			return err
		case body[0] == '+':
			return nil
		}
		return fmt.Errorf("%w: %q", errTunnelRefused, bytes.TrimRight(body[:min(n, 200)], "\r\n"))
	}
	return errors.New("outbound: answer to the client tunnel too long")
}

// errSetupTimeout: the far end did not answer a set-up request in time.
var errSetupTimeout = errors.New("outbound: no answer within the dial timeout")

// bounded bounds the set-up exchange on nc, a socket not yet installed,
// by timeout (none when 0): past it nc is closed, which ends a blocked
// read. The function it returns ends the bound; deferred, it turns the
// error *err of an exchange cut by the bound into errSetupTimeout. (A
// read timeout of netpoll is not used: on a connection made from a
// descriptor it fails without a remote address to name.)
func bounded(nc netpoll.Connection, timeout time.Duration, err *error) func() {
	if timeout <= 0 {
		return func() {}
	}
	t := time.AfterFunc(timeout, func() { nc.Close() })
	return func() {
		if !t.Stop() && *err != nil {
			*err = fmt.Errorf("%w (%v)", errSetupTimeout, *err)
		}
	}
}
