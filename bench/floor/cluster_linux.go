package floor

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/dynomite-go/dynomite/codec/resp"
)

// The cluster floor: the least a replicating proxy does per request, for
// Redis. A floor with replicas (Replicate) copies requests to other floors,
// each in front of its own datastore, as a coordinator node copies them to
// the nodes of the other racks:
//
//   - one (DC_ONE): every write also goes to each replica and the client
//     gets the local datastore's reply; the replicas' replies are read and
//     dropped. Reads go to the local datastore only.
//   - quorum (DC_QUORUM): every request goes to the local datastore and to
//     each replica, and the client gets the first reply once a majority of
//     them answered, in request order.
//
// The copies are plain RESP on one connection per replica, with no frame
// header, no encryption, no routing, no timeouts and no comparison of the
// replies: whatever a real cluster adds to this is the engine's cost. Like
// the floor it is not for deployment: a client that leaves with requests in
// flight under quorum keeps their records until the floor stops, and a
// replica that closes its connection ends Serve, as the datastore does.

// link is a connection whose replies are matched in order to what was sent
// on it: the local datastore's under quorum, or a replica's.
type link struct {
	st   *fdState
	fifo []*pend // per request sent, oldest first; nil: the reply is dropped
	rs   resp.ReplyScanner
}

// pend is a request sent to every link under quorum.
type pend struct {
	c     *fdState
	got   int    // replies received
	reply []byte // the first reply
	out   bool   // delivered to the client (or the client left)
}

// errMemcacheReplicas refuses replicas with the memcached protocol.
var errMemcacheReplicas = errors.New("floor: replicas are for Redis only")

// Replicate connects to the floors at peers, the other racks' replicas,
// before Serve; quorum chooses DC_QUORUM over DC_ONE (see above).
func (f *Floor) Replicate(peers []string, quorum bool) error {
	if f.memcache {
		return errMemcacheReplicas
	}
	for _, addr := range peers {
		sa, err := sockaddr(addr)
		if err != nil {
			return err
		}
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("floor: socket: %w", err)
		}
		if err := syscall.Connect(fd, sa); err != nil {
			syscall.Close(fd)
			return fmt.Errorf("floor: connect to replica %s: %w", addr, err)
		}
		_ = syscall.SetNonblock(fd, true)
		_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		st := &fdState{fd: fd, server: true}
		f.conns[fd] = st
		if err := f.ctl(syscall.EPOLL_CTL_ADD, fd, syscall.EPOLLIN); err != nil {
			return err
		}
		f.peers = append(f.peers, &link{st: st})
		f.links[fd] = f.peers[len(f.peers)-1]
	}
	if quorum && len(f.peers) > 0 {
		f.quorum = true
		l := &link{st: f.conns[f.srv]}
		f.links[f.srv] = l
		f.all = append([]*link{l}, f.peers...)
	}
	return nil
}

// linkOf returns fd's link, nil for a client's or the plain floor's
// datastore connection (no map lookup without replicas).
func (f *Floor) linkOf(fd int) *link {
	if len(f.peers) == 0 {
		return nil
	}
	return f.links[fd]
}

// copyRequest sends frame, a client's whole request, where the replicas
// make it go: to each replica when it is a write (one), or to the local
// datastore and each replica with a pend of the client (quorum). It
// reports whether it did; if not, the request takes the plain path.
func (f *Floor) copyRequest(c *fdState, frame []byte) bool {
	if f.quorum {
		p := f.newPend(c)
		c.pend = append(c.pend, p)
		for _, l := range f.all {
			l.st.out = append(l.st.out, frame...)
			l.fifo = append(l.fifo, p)
		}
		return true
	}
	if cmd := f.rreq.Cmd; cmd != nil && cmd.Has(resp.FlagWrite) {
		for _, l := range f.peers {
			l.st.out = append(l.st.out, frame...)
			l.fifo = append(l.fifo, nil)
		}
	}
	return false
}

func (f *Floor) newPend(c *fdState) *pend {
	if n := len(f.free); n > 0 {
		p := f.free[n-1]
		f.free = f.free[:n-1]
		*p = pend{c: c, reply: p.reply[:0]}
		return p
	}
	return &pend{c: c}
}

// readLink matches the replies read on l to what was sent on it.
func (f *Floor) readLink(l *link) error {
	s := l.st
	if ok, err := f.fill(s); !ok {
		return err
	}
	off := 0
	for len(l.fifo) > 0 && off < len(s.in) {
		m, err := l.rs.Scan(s.in[off:])
		if err == resp.ErrIncomplete {
			break
		}
		if err != nil {
			return errBadReply
		}
		p := l.fifo[0]
		l.fifo[0] = nil
		l.fifo = l.fifo[1:]
		if p != nil {
			f.answer(p, s.in[off:off+m])
		}
		off += m
	}
	s.in = s.in[:copy(s.in, s.in[off:])]
	return nil
}

// answer counts one reply to p and writes the client's replies that have
// a majority, in order.
func (f *Floor) answer(p *pend, reply []byte) {
	p.got++
	if p.got == 1 {
		p.reply = append(p.reply[:0], reply...)
	}
	c := p.c
	if c.closed {
		p.out = true
	}
	if p.got == len(f.all)/2+1 && !c.closed {
		for len(c.pend) > 0 && c.pend[0].got > len(f.all)/2 {
			h := c.pend[0]
			c.pend[0] = nil
			c.pend = c.pend[1:]
			if len(c.out) == c.off {
				f.dirty = append(f.dirty, c)
			}
			c.out = append(c.out, h.reply...)
			h.out = true
			f.release(h)
		}
	}
	f.release(p)
}

// release keeps p for reuse once every link answered it and its client has
// it.
func (f *Floor) release(p *pend) {
	if p.c != nil && p.out && p.got == len(f.all) {
		p.c = nil
		f.free = append(f.free, p)
	}
}
