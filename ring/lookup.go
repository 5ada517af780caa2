package ring

import "slices"

// Hot path: key -> token -> owner per rack. None of these allocate; the
// coordinator calls them once per key and per target rack.
//
//	token := s.Token(key)                       // hash of the hash-tagged key
//	own   := s.Owner(s.LocalDC(), s.LocalRack(), token)
//	dst    = s.AppendOwners(dst[:0], s.LocalDC(), token)   // one per local rack
//	for d := range s.DCs() { if d != s.LocalDC() {
//	        for _, r := range s.RemoteRacks(d) { ... s.Owner(d, r, token) ... }
//	}}

// Token returns the ring position of key: the configured hash of
// HashTag(key, tag). key is not retained. An empty key is hashed like any
// other; C Dynomite sends a request whose hash input is empty to the local
// node instead, which places such a key differently on every node.
func (s *Snapshot) Token(key []byte) uint32 {
	return s.hash(HashTag(key, s.tag))
}

// Owner returns the node that owns token in rack (dc, rack): the node with
// the smallest token >= token, or, when token is above every token of the
// rack, the node with the smallest token (the ring wraps). A node with token
// T therefore owns (previous token, T].
func (s *Snapshot) Owner(dc, rack int, token uint32) int {
	rk := &s.dcs[dc].racks[rack]
	i, _ := slices.BinarySearch(rk.tokens, token)
	if i == len(rk.tokens) {
		i = 0
	}
	return int(rk.owners[i])
}

// AppendOwners appends to dst the owner of token in every rack of dc, in
// rack order (dst[k] is the owner in rack k when dst starts empty), and
// returns the extended slice. It allocates only if dst lacks capacity.
func (s *Snapshot) AppendOwners(dst []int, dc int, token uint32) []int {
	for r := range s.dcs[dc].racks {
		dst = append(dst, s.Owner(dc, r, token))
	}
	return dst
}

// RemoteRacks returns, for a DC other than the local one, the racks to try
// in order when replicating to it: the pre-selected rack
// racks[LocalRack() % Racks(dc)] first, then the other racks in name order
// (docs/compat.md §4.3 step 8; see remoteOrder for how C computes the index). For
// the local DC it returns nil. The slice is shared: do not modify it.
func (s *Snapshot) RemoteRacks(dc int) []int { return s.dcs[dc].remote }

// RemoteRack returns the pre-selected rack of a remote DC (the first of
// RemoteRacks), or -1 for the local DC.
func (s *Snapshot) RemoteRack(dc int) int {
	if r := s.dcs[dc].remote; len(r) > 0 {
		return r[0]
	}
	return -1
}

// Local returns the index of this node.
func (s *Snapshot) Local() int { return s.local }

// LocalDC returns the index of this node's DC.
func (s *Snapshot) LocalDC() int { return s.localDC }

// LocalRack returns the index of this node's rack within LocalDC.
func (s *Snapshot) LocalRack() int { return s.localRack }

// IsLocal reports whether node i is this node.
func (s *Snapshot) IsLocal(i int) bool { return i == s.local }

// Nodes returns the number of nodes.
func (s *Snapshot) Nodes() int { return len(s.nodes) }

// Node returns node i as given to New. Its Tokens slice is shared: do not
// modify it.
func (s *Snapshot) Node(i int) Node { return s.nodes[i] }

// Place returns the DC and rack indexes of node i.
func (s *Snapshot) Place(i int) (dc, rack int) { return s.where[i].dc, s.where[i].rack }

// SameDC reports whether node i is in this node's DC.
func (s *Snapshot) SameDC(i int) bool { return s.where[i].dc == s.localDC }

// DCs returns the number of datacenters. DC indexes follow name order.
func (s *Snapshot) DCs() int { return len(s.dcs) }

// DCName returns the name of DC dc.
func (s *Snapshot) DCName(dc int) string { return s.dcs[dc].name }

// Racks returns the number of racks of DC dc. Rack indexes follow name
// order within the DC.
func (s *Snapshot) Racks(dc int) int { return len(s.dcs[dc].racks) }

// RackName returns the name of rack (dc, rack).
func (s *Snapshot) RackName(dc, rack int) string { return s.dcs[dc].racks[rack].name }

// RackNodes returns the nodes of rack (dc, rack), ascending. The slice is
// shared: do not modify it.
func (s *Snapshot) RackNodes(dc, rack int) []int { return s.dcs[dc].racks[rack].nodes }

// FindNode returns the index of the first node named name, or -1.
func (s *Snapshot) FindNode(name string) int {
	for i := range s.nodes {
		if s.nodes[i].Name == name {
			return i
		}
	}
	return -1
}

// FindDC returns the index of the DC named name, or -1.
func (s *Snapshot) FindDC(name string) int {
	for d := range s.dcs {
		if s.dcs[d].name == name {
			return d
		}
	}
	return -1
}

// FindRack returns the index of rack name in DC dc, or -1.
func (s *Snapshot) FindRack(dc int, name string) int {
	for r := range s.dcs[dc].racks {
		if s.dcs[dc].racks[r].name == name {
			return r
		}
	}
	return -1
}

// Hash returns the hash function keys are placed with.
func (s *Snapshot) Hash() HashFunc { return s.hash }

// HashTagChars returns the configured hash tag ("" or two bytes).
func (s *Snapshot) HashTagChars() string { return s.tag }
