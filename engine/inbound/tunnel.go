package inbound

import "github.com/dynomite-go/dynomite/engine/session"

// A client with a dedicated datastore connection (engine/dedicated) gets
// that connection's bytes as they come: replies and pushed messages in
// the datastore's order, behind every reply of its earlier requests.

// Idle reports whether every request c sent has had its reply moved to
// the output: what is appended now follows them.
func (c *Conn) Idle() bool {
	c.Mu.Lock()
	idle := c.pending.Len() == 0
	c.Mu.Unlock()
	return idle
}

// Deliver appends b to c's output and flushes it. It reports false,
// appending nothing, when c is closed or its unsent bytes would pass max:
// the caller then closes c (a subscriber that does not read).
func (c *Conn) Deliver(b []byte, max int) bool {
	c.Mu.Lock()
	if c.Closed || c.Unsent()+len(b) > max {
		c.Mu.Unlock()
		return false
	}
	c.AppendOut(b)
	c.Mu.Unlock()
	c.Flush()
	return true
}

// DedicatedReply appends r, one complete reply or pushed frame of c's
// dedicated connection, to dst in c's protocol: as it is for a RESP2
// client; for a RESP3 client (HELLO 3) a message or a subscription's
// confirmation (pushed) becomes a push frame, PING's reply while
// subscribed (subscribed) RESP3's, and nulls RESP3 nulls. A frame that
// does not parse goes as it is. It may run on any goroutine.
func (c *Conn) DedicatedReply(dst, r []byte, pushed, subscribed bool) []byte {
	if !c.proto3.Load() {
		return append(dst, r...)
	}
	out, err := session.AppendPush3(dst, r, pushed, subscribed)
	if err != nil {
		return append(dst, r...)
	}
	return out
}
