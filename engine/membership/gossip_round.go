package membership

import (
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/dynomite-go/dynomite/ring"
	"github.com/dynomite-go/dynomite/ring/gossip"
)

// Tick runs one gossip round at now (C's loop body after its sleep) and
// returns what to send: nothing while gossip is disabled, while this node
// is alone (it turns NORMAL), in STANDBY or another admin state, or during
// the pause after an announcement; an announcement to every peer while
// JOINING; the state table to one random peer while NORMAL. The payloads
// are fresh slices the caller owns.
func (g *Gossiper) Tick(now time.Time) []Message {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Before(g.quietTo) {
		return nil
	}
	g.self.ts = unixSec(now)
	if !g.cfg.Enabled {
		return nil
	}
	if len(g.table) == 1 {
		g.setSelf(gossip.Normal)
		return nil
	}
	var out []Message
	switch g.self.state {
	case gossip.Joining:
		ann := gossip.AppendRecord(nil, g.selfRecord(now, g.self.state, g.uniform()))
		for _, k := range g.order[1:] {
			out = append(out, Message{To: g.table[k].node.Addr, Payload: ann})
		}
		g.quietTo = now.Add(2 * g.cfg.Interval)
	case gossip.Normal:
		// C draws over its whole peer array, this node at 0, and takes 1
		// for a 0: peer 1 is drawn twice as often.
		i := g.cfg.Rand.IntN(len(g.order))
		if i == 0 {
			i = 1
		}
		out = append(out, Message{To: g.table[g.order[i]].node.Addr, Payload: g.appendTable(nil, now)})
	default:
		return nil
	}
	g.stats.Rounds++
	g.stats.Sent += uint64(len(out))
	return out
}

func unixSec(t time.Time) uint64 {
	if s := t.Unix(); s > 0 {
		return uint64(s)
	}
	return 0
}

// uniform reports whether every node listens on this node's port, the
// only case C knows: records then carry the host alone.
func (g *Gossiper) uniform() bool {
	for _, m := range g.table {
		if m.port != g.selfPort {
			return false
		}
	}
	return true
}

func (g *Gossiper) selfRecord(now time.Time, st gossip.State, uniform bool) gossip.Record {
	addr := g.cfg.Broadcast
	if _, _, err := net.SplitHostPort(addr); err != nil && !uniform {
		addr = net.JoinHostPort(addr, strconv.Itoa(g.selfPort))
	}
	n := g.self.node
	return gossip.Record{DC: n.DC, Rack: n.Rack, Token: n.Tokens[0], TS: unixSec(now), State: st, Addr: addr}
}

// appendTable writes the state table, sorted by DC, rack and token. This
// node's record carries now and NORMAL; another node older than 40
// intervals is marked DOWN in the table first (C's failure detector).
func (g *Gossiper) appendTable(dst []byte, now time.Time) []byte {
	uniform := g.uniform()
	nowSec := unixSec(now)
	window := 40 * g.cfg.Interval
	for i, k := range g.sortedKeys() {
		m := g.table[k]
		if i > 0 {
			dst = append(dst, '|')
		}
		if m.local {
			dst = gossip.AppendRecord(dst, g.selfRecord(now, gossip.Normal, uniform))
			continue
		}
		if nowSec > m.ts && time.Duration(nowSec-m.ts)*time.Second > window {
			m.state = gossip.Down
		}
		addr := m.host
		if !uniform {
			addr = m.node.Addr
		}
		n := m.node
		dst = gossip.AppendRecord(dst, gossip.Record{DC: n.DC, Rack: n.Rack, Token: n.Tokens[0], TS: m.ts, State: m.state, Addr: addr})
	}
	return dst
}

// Receive merges a GOSSIP_SYN payload from the peer at from (used in logs)
// at now. A payload over the Limits is refused whole and its error
// returned; malformed records are skipped. Each counts, and is logged at
// most once per LogEvery. A payload with a good record turns a JOINING
// node NORMAL. payload is not kept.
func (g *Gossiper) Receive(from string, payload []byte, now time.Time) error {
	recs, skips, err := gossip.Decode(payload, g.cfg.Limits)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stats.Received++
	if err != nil {
		g.stats.BadPayloads++
		g.warn(now, "gossip payload refused", slog.String("from", from), slog.Any("err", err))
		return err
	}
	g.stats.BadRecords += uint64(len(skips))
	for _, s := range skips {
		g.warn(now, "gossip record skipped", slog.String("from", from), slog.String("record", s.String()))
	}
	if len(recs) == 0 {
		return nil
	}
	changed := false
	for i := len(recs) - 1; i >= 0; i-- { // C reads the records from the right
		r := recs[i]
		host, port, err := gossip.SplitAddr(r.Addr, g.selfPort)
		if err != nil {
			g.stats.BadRecords++
			continue
		}
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		n := ring.Node{Name: addr, Addr: addr, DC: r.DC, Rack: r.Rack, Tokens: []uint32{r.Token}}
		if g.merge(n, host, port, r.TS, r.State, now) {
			changed = true
		}
	}
	if changed {
		g.changed(now)
	}
	if g.self.state == gossip.Joining || g.self.state == gossip.Init {
		g.setSelf(gossip.Normal)
	}
	return nil
}

func (g *Gossiper) isSelf(host string, port int) bool {
	if port != g.selfPort {
		return false
	}
	if host == g.self.host || host == g.cfg.Broadcast {
		return true
	}
	bh, bp, err := net.SplitHostPort(g.cfg.Broadcast)
	return err == nil && bh == host && bp == strconv.Itoa(port)
}

// merge applies one record (n at host:port, with ts and st) and reports
// whether the ring changed: a node added or moved.
func (g *Gossiper) merge(n ring.Node, host string, port int, ts uint64, st gossip.State, now time.Time) bool {
	k := key{n.DC, n.Rack, n.Tokens[0]}
	m, ok := g.table[k]
	switch {
	case ok && m.local:
		if n.Addr != m.node.Addr && !g.isSelf(host, port) {
			g.stats.SelfConflicts++
			g.warn(now, "gossip record for this node's token at another address ignored", slog.String("addr", n.Addr))
		}
		return false
	case !ok:
		if g.refuse(n, host, port, now) {
			return false
		}
		if len(g.table) >= g.cfg.MaxNodes {
			g.stats.Full++
			g.warn(now, "gossip table full, node ignored", slog.String("addr", n.Addr), slog.Int("max", g.cfg.MaxNodes))
			return false
		}
		m = &member{node: n, host: host, port: port, ts: ts, state: st}
		g.insert(m)
		g.stats.Added++
		g.report(m, gossip.Unknown, now)
		return true
	case ts <= m.ts:
		return false // not newer: C updates only on a newer timestamp
	case m.node.Addr == n.Addr:
		old := m.state
		m.ts, m.state = ts, st
		g.stats.Updated++
		g.report(m, old, now)
		return false
	default: // a known token at a new address: the node was replaced
		if _, held := g.byAddr[n.Addr]; held || g.isSelf(host, port) {
			g.conflict(n, host, port, now)
			return false
		}
		delete(g.byAddr, m.node.Addr)
		m.node.Addr, m.node.Name, m.host, m.port = n.Addr, n.Name, host, port
		m.ts, m.state = ts, st
		g.byAddr[n.Addr] = k
		g.stats.Readdressed++
		return true
	}
}

// refuse reports (and counts) whether a new node n clashes with the table.
func (g *Gossiper) refuse(n ring.Node, host string, port int, now time.Time) bool {
	if g.isSelf(host, port) {
		g.conflict(n, host, port, now)
		return true
	}
	if why := g.clash(n.DC, n.Rack, n.Tokens, n.Addr); why != "" {
		g.stats.Conflicts++
		g.warn(now, "gossip record ignored: "+why, slog.String("addr", n.Addr), slog.String("dc", n.DC), slog.String("rack", n.Rack))
		return true
	}
	return false
}

func (g *Gossiper) conflict(n ring.Node, host string, port int, now time.Time) {
	if g.isSelf(host, port) {
		g.stats.SelfConflicts++
		g.warn(now, "gossip record for this node's address at another position ignored", slog.String("addr", n.Addr))
		return
	}
	g.stats.Conflicts++
	g.warn(now, "gossip record ignored: address held by another node", slog.String("addr", n.Addr))
}

// report passes m's new state (old before the record) to the Detector, if
// m is one of its peers: DOWN whenever the Detector has the peer UP, NORMAL
// only when the table's state changed to it, so that steady NORMAL news
// does not undo an ejection the engine's own failures caused.
func (g *Gossiper) report(m *member, old gossip.State, now time.Time) {
	if g.det == nil {
		return
	}
	i, ok := g.detIdx[m.node.Name]
	if !ok {
		return
	}
	switch {
	case m.state == gossip.Down && g.det.Up(i), m.state == gossip.Normal && old != gossip.Normal:
		g.det.Gossip(i, m.state, g.cfg.Nanos(now))
	}
}
