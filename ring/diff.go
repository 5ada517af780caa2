package ring

import (
	"slices"
	"strconv"
	"strings"
)

// Pair names one node in two snapshots: its index in the old one and in
// the new one.
type Pair struct{ Old, New int }

// Diff is what changed between two snapshots, for whoever keeps one
// connection pool per peer: open pools for Added, close them for Removed,
// rebuild them at the new address for Readdressed, carry them over (to the
// new index) for Kept. The local node of either snapshot is in no list.
// Every list is in ascending order of its first index.
type Diff struct {
	// Added are new-snapshot indexes of nodes whose address and position
	// the old snapshot lacks.
	Added []int
	// Removed are old-snapshot indexes of nodes whose address and position
	// the new snapshot lacks.
	Removed []int
	// Readdressed are nodes at the same position (DC, rack and tokens) under
	// another address: a node replaced by a new host.
	Readdressed []Pair
	// Kept are nodes at the same address in both; their position may have
	// changed.
	Kept []Pair
}

// Empty reports whether the peers' connections need no change: no peer
// added, removed or readdressed, and no kept one at another index. A kept
// peer may still hold other tokens.
func (d Diff) Empty() bool {
	if len(d.Added)+len(d.Removed)+len(d.Readdressed) > 0 {
		return false
	}
	for _, p := range d.Kept {
		if p.Old != p.New {
			return false
		}
	}
	return true
}

// Compare returns the Diff that takes old to new. Nodes are matched by
// address (Node.Addr) first; the rest by position, DC, rack and the set of
// tokens. A nil old gives every peer of new as Added. Compare is linear in
// the number of nodes (plus map upkeep) and does not modify either
// snapshot.
func Compare(old, new *Snapshot) Diff {
	var d Diff
	if new == nil {
		if old != nil {
			for i := range old.nodes {
				if i != old.local {
					d.Removed = append(d.Removed, i)
				}
			}
		}
		return d
	}
	if old == nil {
		for i := range new.nodes {
			if i != new.local {
				d.Added = append(d.Added, i)
			}
		}
		return d
	}
	byAddr := make(map[string]int, len(old.nodes))
	for i := range old.nodes {
		if _, dup := byAddr[old.nodes[i].Addr]; i != old.local && !dup {
			byAddr[old.nodes[i].Addr] = i
		}
	}
	matched := make([]bool, len(old.nodes))
	var loose []int // new nodes without an address match
	for i := range new.nodes {
		if i == new.local {
			continue
		}
		if j, ok := byAddr[new.nodes[i].Addr]; ok && !matched[j] {
			matched[j] = true
			d.Kept = append(d.Kept, Pair{j, i})
			continue
		}
		loose = append(loose, i)
	}
	byPos := make(map[string]int)
	for j := range old.nodes {
		if j == old.local || matched[j] {
			continue
		}
		if _, dup := byPos[position(old.nodes[j])]; !dup {
			byPos[position(old.nodes[j])] = j
		}
	}
	for _, i := range loose {
		p := position(new.nodes[i])
		if j, ok := byPos[p]; ok && !matched[j] {
			matched[j] = true
			d.Readdressed = append(d.Readdressed, Pair{j, i})
			continue
		}
		d.Added = append(d.Added, i)
	}
	for j := range old.nodes {
		if j != old.local && !matched[j] {
			d.Removed = append(d.Removed, j)
		}
	}
	slices.SortFunc(d.Readdressed, func(a, b Pair) int { return a.Old - b.Old })
	return d
}

// position is a node's DC, rack and sorted tokens as one map key.
func position(n Node) string {
	toks := slices.Clone(n.Tokens)
	slices.Sort(toks)
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(n.DC)))
	b.WriteByte(':')
	b.WriteString(n.DC)
	b.WriteString(strconv.Itoa(len(n.Rack)))
	b.WriteByte(':')
	b.WriteString(n.Rack)
	for _, t := range toks {
		b.WriteByte(',')
		b.WriteString(strconv.FormatUint(uint64(t), 10))
	}
	return b.String()
}
