package engine

import (
	"testing"
)

// TestRESP3Subscriber: a RESP3 subscriber gets, through the node's
// dedicated connection, the push frames redis-server sends a RESP3
// subscriber directly.
func TestRESP3Subscriber(t *testing.T) {
	n, r := proxy(t, nil)
	pub := dial(t, n)
	via, direct := dial3(t, n.ClientAddr().String()), dial3(t, r.Addr)
	for _, st := range []struct {
		cmd    []string // nil: PUBLISH through the node
		frames int
	}{
		{[]string{"SUBSCRIBE", "r3:ch", "r3:other"}, 2},
		{[]string{"PSUBSCRIBE", "r3:c*"}, 1},
		{nil, 2},
		{[]string{"PING"}, 1},
		{[]string{"PING", "hello"}, 1},
		{[]string{"UNSUBSCRIBE"}, 2},
		{[]string{"PUNSUBSCRIBE"}, 1},
		{[]string{"GET", "r3:missing"}, 1},
	} {
		if st.cmd == nil {
			do(t, pub, "PUBLISH", "r3:ch", "hi")
		} else {
			via.send(t, st.cmd...)
			direct.send(t, st.cmd...)
		}
		for k := 0; k < st.frames; k++ {
			if got, want := via.next(t), direct.next(t); got != want {
				t.Fatalf("%v frame %d through the node: got %q; want %q", st.cmd, k, got, want)
			}
		}
	}
}
