package dedicated

import "bytes"

// Subscriber mode, followed from the replies: Redis answers a subscribe
// family command with one confirmation per name (SUBSCRIBE a b: two), and
// an unsubscribe without names with one per name of that kind it had (one
// when none). Confirmations come in request order, so when the first one
// of a nameless unsubscribe arrives the names seen so far are Redis's.

const (
	kindChannel = iota
	kindPattern
	kindShard
	subKinds
)

// subState is the subscriptions of a session and the subscribe family
// commands whose confirmations have not all come.
type subState struct {
	names [subKinds]map[string]struct{}
	q     []subCmd
}

type subCmd struct {
	kind  int
	unsub bool
	left  int // confirmations still due; -1: not known before the first
}

// queue records a subscribe family command of kind k with n names.
func (ss *subState) queue(k int, unsub bool, n int) {
	left := n
	if n == 0 {
		left = -1
	}
	ss.q = append(ss.q, subCmd{kind: k, unsub: unsub, left: left})
}

// active reports a subscription or a confirmation still due.
func (ss *subState) active() bool {
	if len(ss.q) > 0 {
		return true
	}
	for _, m := range ss.names {
		if len(m) > 0 {
			return true
		}
	}
	return false
}

// confirm takes one confirmation of name (nil for "none"); false when no
// command awaits one.
func (ss *subState) confirm(name []byte, isNull bool) bool {
	if len(ss.q) == 0 {
		return false
	}
	h := &ss.q[0]
	set := &ss.names[h.kind]
	if h.left < 0 {
		h.left = max(1, len(*set))
	}
	if !isNull {
		if h.unsub {
			delete(*set, string(name))
		} else {
			if *set == nil {
				*set = make(map[string]struct{})
			}
			(*set)[string(name)] = struct{}{}
		}
	}
	if h.left--; h.left <= 0 {
		ss.q = ss.q[1:]
		if len(ss.q) == 0 {
			ss.q = nil
		}
	}
	return true
}

var (
	wordMessages = [][]byte{[]byte("message"), []byte("pmessage"), []byte("smessage")}
	wordConfirms = [][]byte{
		[]byte("subscribe"), []byte("unsubscribe"), []byte("psubscribe"),
		[]byte("punsubscribe"), []byte("ssubscribe"), []byte("sunsubscribe"),
	}
)

func oneOf(w []byte, words [][]byte) bool {
	for _, x := range words {
		if bytes.Equal(w, x) {
			return true
		}
	}
	return false
}
