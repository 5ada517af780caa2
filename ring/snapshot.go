package ring

import (
	"cmp"
	"fmt"
	"slices"
)

// The layout of a Snapshot, built by New from a flat node list:
//
//	nodes  [0]=local  [1]  [2]  [3] ...          (caller's order, kept)
//	dcs    sorted by name
//	  └─ racks sorted by name (C Dynomite sorts them before choosing targets)
//	       ├─ nodes   indexes of the rack's nodes, ascending
//	       └─ tokens  every token of those nodes, ascending   ┐ one continuum:
//	          owners  owners[i] = node holding tokens[i]      ┘ binary search
//	  └─ remote  for a DC other than the local one: the rack to replicate to
//	             first, then the failover order (docs/compat.md §4.3 step 8)
//
// Indexes (node, dc, rack) are plain ints so callers can keep per-node state
// (connections, counters) in their own slices, indexed the same way.

// Node is one member of the cluster as the ring sees it. New copies it.
type Node struct {
	// Name identifies the node in logs and stats, e.g. its dyn_listen
	// address or the optional name of a dyn_seeds entry.
	Name string
	// Addr is where peers reach it (host:port). The ring never dials it.
	Addr string
	// DC and Rack are the datacenter and rack names, compared exactly.
	DC   string
	Rack string
	// Tokens are the node's positions on its rack's ring; at least one.
	Tokens []uint32
}

// Snapshot is an immutable view of the topology. Build it with New, publish
// it through an atomic.Pointer[Snapshot], and read it from any goroutine.
// Methods taking dc, rack or node indexes panic on out-of-range values, as
// slice indexing does: indexes come from this same snapshot.
type Snapshot struct {
	nodes []Node
	where []place // where[i]: dc and rack of node i
	dcs   []dc

	local     int
	localDC   int
	localRack int

	hash HashFunc
	tag  string
}

type place struct{ dc, rack int }

type dc struct {
	name   string
	racks  []rack
	remote []int // nil for the local DC
}

type rack struct {
	name   string
	nodes  []int
	tokens []uint32
	owners []int32
}

// New builds a snapshot. nodes[local] is this node; hash is applied to keys
// by Token after the hash tag tag ("" or two bytes, see HashTag) is applied.
// nodes may come in any order; indexes into it are the node numbers used by
// every method. New copies what it keeps, so the caller may reuse nodes.
func New(nodes []Node, local int, hash HashFunc, tag string) (*Snapshot, error) {
	switch {
	case len(nodes) == 0:
		return nil, ErrNoNodes
	case local < 0 || local >= len(nodes):
		return nil, fmt.Errorf("local node %d of %d: %w", local, len(nodes), ErrBadLocal)
	case hash == nil:
		return nil, ErrNilHash
	case tag != "" && len(tag) != 2:
		return nil, fmt.Errorf("hash tag %q: %w", tag, ErrBadHashTag)
	}
	s := &Snapshot{
		nodes: make([]Node, len(nodes)),
		where: make([]place, len(nodes)),
		local: local,
		hash:  hash,
		tag:   tag,
	}
	for i, n := range nodes {
		if len(n.Tokens) == 0 {
			return nil, fmt.Errorf("node %d (%s): %w", i, n.Name, ErrNoTokens)
		}
		n.Tokens = slices.Clone(n.Tokens)
		s.nodes[i] = n
	}
	s.buildDCs()
	for d := range s.dcs {
		for r := range s.dcs[d].racks {
			if err := s.buildContinuum(d, r); err != nil {
				return nil, err
			}
		}
	}
	s.localDC, s.localRack = s.where[local].dc, s.where[local].rack
	for d := range s.dcs {
		if d != s.localDC {
			s.dcs[d].remote = remoteOrder(s.localRack, len(s.dcs[d].racks))
		}
	}
	return s, nil
}

// buildDCs groups the nodes into sorted DCs and racks and fills s.where.
func (s *Snapshot) buildDCs() {
	var dcNames []string
	for _, n := range s.nodes {
		if !slices.Contains(dcNames, n.DC) {
			dcNames = append(dcNames, n.DC)
		}
	}
	slices.Sort(dcNames)
	s.dcs = make([]dc, len(dcNames))
	for d, name := range dcNames {
		s.dcs[d].name = name
		var rackNames []string
		for _, n := range s.nodes {
			if n.DC == name && !slices.Contains(rackNames, n.Rack) {
				rackNames = append(rackNames, n.Rack)
			}
		}
		slices.Sort(rackNames)
		s.dcs[d].racks = make([]rack, len(rackNames))
		for r, rn := range rackNames {
			s.dcs[d].racks[r].name = rn
		}
	}
	for i, n := range s.nodes {
		d, _ := slices.BinarySearch(dcNames, n.DC)
		r, _ := slices.BinarySearchFunc(s.dcs[d].racks, n.Rack, func(x rack, name string) int {
			return cmp.Compare(x.name, name)
		})
		s.where[i] = place{d, r}
		s.dcs[d].racks[r].nodes = append(s.dcs[d].racks[r].nodes, i)
	}
}

// buildContinuum sorts every token of rack (d, r) and rejects duplicates:
// C Dynomite would pick either owner depending on its sort.
func (s *Snapshot) buildContinuum(d, r int) error {
	rk := &s.dcs[d].racks[r]
	type point struct {
		token uint32
		node  int32
	}
	var points []point
	for _, i := range rk.nodes {
		for _, t := range s.nodes[i].Tokens {
			points = append(points, point{t, int32(i)})
		}
	}
	slices.SortFunc(points, func(a, b point) int { return cmp.Compare(a.token, b.token) })
	rk.tokens = make([]uint32, len(points))
	rk.owners = make([]int32, len(points))
	for k, p := range points {
		if k > 0 && p.token == points[k-1].token {
			a, b := s.nodes[points[k-1].node].Name, s.nodes[p.node].Name
			return fmt.Errorf("token %d of nodes %s and %s in rack %s/%s: %w",
				p.token, a, b, s.dcs[d].name, rk.name, ErrDuplicateToken)
		}
		rk.tokens[k], rk.owners[k] = p.token, p.node
	}
	return nil
}

// remoteOrder is the order in which a remote DC's racks are tried (docs/compat.md
// §4.3 step 8): first racks[localRack % n], then the others from the first
// sorted rack on, skipping that one.
//
// C Dynomite means localRack to be the position of this node's rack in its
// own DC (its comment says so) but its loop skips the local DC and finds
// the position of a same-named rack in a remote DC, which in usual setups
// (rack names differ per DC) leaves it at 0: every node then replicates to
// the first rack of each remote DC. We implement the intent, which spreads
// the cross-DC traffic over the remote racks. Placement is unaffected: the
// receiving node forwards the write to every rack of its DC either way.
func remoteOrder(localRack, n int) []int {
	order := make([]int, 0, n)
	first := localRack % n
	order = append(order, first)
	for r := range n {
		if r != first {
			order = append(order, r)
		}
	}
	return order
}
