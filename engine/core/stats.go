package core

import (
	"sync/atomic"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/stats"
	"github.com/dynomite-go/dynomite/engine/tally"
)

// BatchClock is the clock read for the input batch being handled on c (a
// client's input, a datastore read), so that a write it leads to needs no
// read of its own; 0 with stats off (nothing read it).
func (c *Sock) BatchClock() int64 {
	if c.St.Shard == nil {
		return 0
	}
	return c.St.Now
}

// FailLater marks the connection as closed because of an error (for
// client_err and server_err) and closes it like CloseLater.
func (c *Sock) FailLater() {
	c.St.Failed.Store(true)
	c.CloseLater()
}

// MarkFailed marks the connection as closed because of an error; the
// caller arranges the close.
func (c *Sock) MarkFailed() { c.St.Failed.Store(true) }

// Stats is a connection's stats bookkeeping: its shard and the sums of
// its current batch, which the node's stats hooks fill and add.
type Stats struct {
	Shard *stats.Shard // nil when stats are off
	// Now is the clock of the current input batch (Env.Clock):
	// set by the input side (client: under inMu; server: on the poller).
	Now int64
	// Failed: the node closes the connection because of an error (write
	// failure, malformed input, bad reply); otherwise a close is an EOF.
	Failed atomic.Bool
	// LastCmd and LastFam cache the family lookup of the previous request
	// (input side): pipelines tend to repeat one command.
	LastCmd *resp.Command
	LastFam tally.Families
	// Reply sums the replies of the current datastore read (server conn,
	// poller only); statsFlush adds it to the shard at the end of the read.
	Reply tally.Reply
	// In sums what the current input batch adds (client and peer-in
	// conns, under inMu); statsInputDone adds it at the end of the batch.
	In tally.Input
	// PeerTally sums the replies of the current read of a peer conn (poller
	// only), added by statsFlush.
	PeerTally tally.Peer
	// Send sums the requests queued on a datastore conn since its last
	// send (s.mu held): statsQueued adds each msg while it is fresh in
	// the cache, statsStamp adds the sum when the batch goes out.
	Send tally.Send
	// SentLog holds the send clock of the batches in fifo order (datastore
	// conn, s.mu held), so that a send touches no msg: a reply takes the
	// clock of the oldest batch.
	SentLog tally.SentLog
}
