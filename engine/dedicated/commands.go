package dedicated

import "github.com/dynomite-go/dynomite/codec/resp"

// commands are the table entries a session tells apart, looked up once.
type commands struct {
	multi, exec, discard, watch, unwatch, reset *resp.Command
	// sub[k][0] subscribes to kind k (channel, pattern, shard channel),
	// sub[k][1] unsubscribes.
	sub [subKinds][2]*resp.Command
}

func (cs *commands) init() {
	l := func(s string) *resp.Command { return resp.Lookup([]byte(s)) }
	cs.multi, cs.exec, cs.discard = l("multi"), l("exec"), l("discard")
	cs.watch, cs.unwatch, cs.reset = l("watch"), l("unwatch"), l("reset")
	cs.sub = [subKinds][2]*resp.Command{
		{l("subscribe"), l("unsubscribe")},
		{l("psubscribe"), l("punsubscribe")},
		{l("ssubscribe"), l("sunsubscribe")},
	}
}

// subKind tells whether cmd is of the subscribe family: its kind and
// whether it unsubscribes.
func (cs *commands) subKind(cmd *resp.Command) (k int, unsub, ok bool) {
	for k := range cs.sub {
		for u, c := range cs.sub[k] {
			if c == cmd {
				return k, u == 1, true
			}
		}
	}
	return 0, false, false
}
