package memcache

import "bytes"

// Muting: one reply per request on a shared connection
//
// memcached sends nothing back for a noreply request and omits some
// replies of a quiet meta request (q flag). A proxy that matches replies
// to requests in order on a shared connection cannot wait for a reply that
// may not come. So it sends the request loud (AppendLoud: without noreply
// and without q), memcached answers it like any other, and the proxy drops
// what the client must not see (Mute.Apply).
//
//	client:    set k 0 0 1 noreply\r\nx\r\n     mg k v q\r\n
//	sent:      set k 0 0 1\r\nx\r\n             mg k v\r\n
//	memcached: STORED\r\n                       EN\r\n
//	client gets: nothing (MuteAll)              nothing (MuteHDEN: a miss)

// Mute says which replies of a request the client must not see.
type Mute uint8

const (
	// MuteNone: the client sees the reply.
	MuteNone Mute = iota
	// MuteAll: noreply; nothing reaches the client, errors included.
	MuteAll
	// MuteHD: a quiet ms, md, ma or mn: HD is dropped.
	MuteHD
	// MuteHDEN: a quiet mg: HD and EN (a miss) are dropped.
	MuteHDEN
	// MuteTooLarge: the reply is to the request AppendUnlink built for a
	// set or ms whose value was too large; the client gets ErrTooLarge's
	// line whatever memcached answered.
	MuteTooLarge
)

// MuteOf returns the mute of request r: MuteAll with noreply, MuteHDEN for
// a quiet mg, MuteHD for another quiet meta command, else MuteNone.
func MuteOf(r *Request) Mute {
	switch {
	case r.NoReply:
		return MuteAll
	case r.Quiet && r.Cmd == CmdMetaGet:
		return MuteHDEN
	case r.Quiet:
		return MuteHD
	}
	return MuteNone
}

// Apply returns what the client sees of reply, a complete reply to a
// request with mute m: reply itself, nil when it is dropped, or for
// MuteTooLarge ErrTooLarge's shared line.
func (m Mute) Apply(reply []byte) []byte {
	switch m {
	case MuteAll:
		return nil
	case MuteHD, MuteHDEN:
		if len(reply) >= 3 && (reply[2] == ' ' || reply[2] == '\r' || reply[2] == '\n') {
			w := string(reply[:2])
			if w == "HD" || (m == MuteHDEN && w == "EN") {
				return nil
			}
		}
	case MuteTooLarge:
		return ErrTooLarge.Reply()
	}
	return reply
}

// AppendLoud appends frame, the bytes r was parsed from, without its
// noreply token (classic commands) or its q flag tokens (meta commands):
// the request memcached answers whatever the client asked. The command
// line of the result ends with "\r\n" whatever frame's ended with, so a
// key ending in '\r' stays whole. A request with neither noreply nor q is
// appended unchanged. It panics when a token of r is not a sub-slice of
// frame, a caller's bug.
func AppendLoud(dst, frame []byte, r *Request) []byte {
	if !r.NoReply && !r.Quiet {
		return append(dst, frame...)
	}
	eol := bytes.IndexByte(frame, '\n')
	if eol < 0 {
		panic("BUG: memcache: AppendLoud of a frame without a line")
	}
	end := eol // the line without its end, as the parser read it
	if end > 0 && frame[end-1] == '\r' {
		end--
	}
	from := 0
	drop := func(tok []byte) {
		off := cap(frame) - cap(tok)
		if off < from+1 || off+len(tok) > end || &frame[off] != &tok[0] {
			panic("BUG: memcache: AppendLoud with a token outside its frame")
		}
		dst = append(dst, frame[from:off-1]...) // and the space before it
		from = off + len(tok)
	}
	if r.NoReply {
		drop(r.Tokens[len(r.Tokens)-1])
	} else {
		for _, f := range r.MetaFlags() {
			if f[0] == 'q' { // memcached reads a flag by its first byte
				drop(f)
			}
		}
	}
	dst = append(dst, frame[from:end]...)
	dst = append(dst, crlf...)
	return append(dst, frame[eol+1:]...)
}

// AppendUnlink appends the request that removes the item stored under the
// key of r, a set or ms whose value is over the limit: "delete <key>\r\n",
// or "md <key>[ b]\r\n" for ms. memcached unlinks that item when it
// refuses such a value; a proxy that refuses the value itself keeps that
// effect by sending this request, and answers the client with MuteTooLarge
// (or MuteAll for noreply). It panics for another request, a caller's bug.
func AppendUnlink(dst []byte, r *Request) []byte {
	if (r.Cmd != CmdSet && r.Cmd != CmdMetaSet) || len(r.Keys) != 1 {
		panic("BUG: memcache: AppendUnlink for " + r.Cmd.String())
	}
	if r.Cmd == CmdMetaSet {
		dst = append(append(dst, "md "...), r.Keys[0]...)
		if r.Base64 {
			dst = append(dst, " b"...)
		}
	} else {
		dst = append(append(dst, "delete "...), r.Keys[0]...)
	}
	return append(dst, crlf...)
}
