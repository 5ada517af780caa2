package seeds

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/dynomite-go/dynomite/ring"
)

// Self is this node as Build needs it.
type Self struct {
	// Node is this node's ring entry (Name, Addr, DC, Rack, Tokens).
	Node ring.Node
	// Addrs are the host:port forms under which this node may appear in a
	// list besides Node.Addr (its broadcast address, a name). A record at
	// one of them with this node's DC, rack and tokens is this node and is
	// dropped silently.
	Addrs []string
}

func (s Self) is(addr string) bool {
	return addr == s.Node.Addr || slices.Contains(s.Addrs, addr)
}

// Build returns a snapshot with this node at index 0 and the other accepted
// seeds after it, sorted by DC, rack and first token, so equal lists give
// equal snapshots. Records are checked in list order and a later record
// loses to an earlier one; each one left out gets a Skip wrapping
// ErrConflict:
//
//   - a record at this node's address with another position;
//   - a record holding a token of this node's rack at another address
//     (this node's own position cannot move);
//   - a second record for an address, or for a token already held in its
//     rack.
//
// hash and tag are passed to ring.New, whose error Build returns as is.
func Build(self Self, list []Seed, hash ring.HashFunc, tag string) (*ring.Snapshot, []Skip, error) {
	nodes, skips := Members(self, list)
	snap, err := ring.New(nodes, 0, hash, tag)
	if err != nil {
		return nil, skips, fmt.Errorf("cannot build ring from %d seeds: %w", len(list), err)
	}
	return snap, skips, nil
}

// Members is Build without ring.New: the node list, this node first, and the
// skips. The Skip.Index values are indexes into list.
func Members(self Self, list []Seed) ([]ring.Node, []Skip) {
	type pos struct {
		dc, rack string
		token    uint32
	}
	held := map[pos]string{} // position -> address holding it
	addrs := map[string]bool{self.Node.Addr: true}
	for _, t := range self.Node.Tokens {
		held[pos{self.Node.DC, self.Node.Rack, t}] = self.Node.Addr
	}
	var others []ring.Node
	var skips []Skip
	skip := func(i int, s Seed, format string, args ...any) {
		rec := string(AppendRecord(nil, s))
		skips = append(skips, Skip{Index: i, Record: quote(rec), Err: fmt.Errorf(format+": %w", append(args, ErrConflict)...)})
	}
next:
	for i, s := range list {
		addr := s.Addr()
		if self.is(addr) {
			if s.DC == self.Node.DC && s.Rack == self.Node.Rack && slices.Equal(s.Tokens, self.Node.Tokens) {
				continue
			}
			skip(i, s, "this node's address %s with another position", addr)
			continue
		}
		if addrs[addr] {
			skip(i, s, "second record for %s", addr)
			continue
		}
		for _, t := range s.Tokens {
			if h, ok := held[pos{s.DC, s.Rack, t}]; ok {
				if self.is(h) {
					skip(i, s, "token %d of this node's rack %s/%s at another address", t, s.DC, s.Rack)
				} else {
					skip(i, s, "token %d in rack %s/%s already held by %s", t, s.DC, s.Rack, h)
				}
				continue next
			}
		}
		for _, t := range s.Tokens {
			held[pos{s.DC, s.Rack, t}] = addr
		}
		addrs[addr] = true
		others = append(others, ring.Node{Name: addr, Addr: addr, DC: s.DC, Rack: s.Rack, Tokens: slices.Clone(s.Tokens)})
	}
	slices.SortFunc(others, func(a, b ring.Node) int {
		return cmp.Or(cmp.Compare(a.DC, b.DC), cmp.Compare(a.Rack, b.Rack), cmp.Compare(a.Tokens[0], b.Tokens[0]))
	})
	return append([]ring.Node{self.Node}, others...), skips
}
