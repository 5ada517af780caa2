package inbound

import (
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/core"
	"github.com/dynomite-go/dynomite/engine/session"
	"github.com/dynomite-go/dynomite/engine/stats"
)

// Connections that netpoll does not serve
//
// A TLS client's connection is read and written through crypto/tls, which
// needs a goroutine that blocks in Read. Such a connection is a Conn like
// any other, set up with NewStreamConn: its output goes through its Stream
// (core.Sock.W) instead of its descriptor, and ServeStream, on the
// connection's own goroutine, does what netpoll does for a plain one:
// hands each read to OnInput and, at the end, runs OnClose. CloseLater
// shuts the socket down, which ends the read as a client's close would.

// Stream is the I/O of a connection that netpoll does not serve
// (engine/secure.Stream).
type Stream interface {
	core.Writer
	// Read returns the next input; io.EOF at the client's end.
	Read(b []byte) (int, error)
	// SetWriteDeadline bounds the waits of WriteAll.
	SetWriteDeadline(t time.Time) error
}

// NewStreamConn wraps an accepted connection of kind k served by st; fd is
// its socket (for shutdown only) and addrs gives its addresses (CLIENT
// INFO). The node sets ID and Pin, then runs ServeStream.
func NewStreamConn(e *Env, k *Kind, st Stream, fd int, addrs session.Conn) *Conn {
	c := &Conn{env: e, Kind: k, addrs: addrs}
	var shard *stats.Shard
	if e.Shard != nil {
		shard = e.Shard()
	}
	c.InitWriter(e.Core, st, fd, shard)
	c.parser.Limits = resp.DefaultLimits
	c.mc.parser.Limits = e.MCLimits
	return c
}

// ServeStream hands what st reads to OnInput, through one buffer of
// bufSize bytes, until the read fails or ends; then it runs the close
// path of a plain connection (OnClose: stats, a half-closed client's
// linger, teardown) and closes st unless the client lingers (endLinger
// closes it then). The replies still owed at that point are bounded by
// the node's timeout, as a lingering client's are. It returns when the
// connection is closed or lingers; it never runs on a poller.
func (c *Conn) ServeStream(st Stream, bufSize int) {
	buf := make([]byte, bufSize)
	for {
		n, err := st.Read(buf)
		if n > 0 {
			c.OnInput(buf[:n])
		}
		if err != nil {
			break
		}
	}
	_ = st.SetWriteDeadline(time.Now().Add(c.lingerWait()))
	c.OnClose()
	if !c.Lingering() {
		_ = st.Close()
	}
}
