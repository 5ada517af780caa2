package admin

import (
	"github.com/dynomite-go/dynomite/replica"
)

// Node is everything the admin endpoint reads from or changes in the
// running node. The engine implements it; tests use a fake. Every method
// may be called from any goroutine at any time, concurrently with request
// traffic, so implementations keep these values in atomics (or behind
// their own lock) and must not block.
//
// The admin server serialises its own calls that read and then write (log
// level up/down), so a Node need not provide compare-and-swap.
type Node interface {
	// Consistency returns the default read and write levels that new
	// client connections copy (docs/compat.md §3.1).
	Consistency() (read, write replica.Level)
	// SetConsistency sets the default read (read == true) or write level
	// for connections accepted from now on; open connections keep theirs.
	SetConsistency(read bool, l replica.Level)

	// State returns the local node's state (docs/compat.md §6.1).
	State() State
	// SetState sets the local node's state. The admin server only passes
	// Standby, WritesOnly, Resuming or Normal; the engine gates local
	// datastore execution on it (docs/compat.md §4.8).
	SetState(s State)

	// LogLevel returns the log verbosity, 0 (EMERG) .. 11 (PVERB).
	LogLevel() int
	// SetLogLevel sets the log verbosity; the argument is already
	// clamped to 0..11.
	SetLogLevel(level int)

	// TimeoutFactor returns the multiplier applied to request timeouts.
	TimeoutFactor() int
	// SetTimeoutFactor sets it; the argument is already clamped to 1..10.
	SetTimeoutFactor(f int)

	// ReadRepairs reports whether read repair is enabled.
	ReadRepairs() bool
	// SetReadRepairs enables or disables read repair.
	SetReadRepairs(on bool)

	// SetPeerState sets the state of every remote peer whose name (host
	// name or IP address, without port) equals name, and returns how many
	// peers it changed. The name AllPeers means every remote peer. The
	// local node is never changed. s is one of Normal (/peer/up), Down
	// or Reset.
	SetPeerState(name string, s State) int

	// Topology returns the cluster as this node sees it, for
	// /cluster_describe and the peer labels of /metrics. The result is
	// owned by the caller.
	Topology() Topology
}

// AllPeers is the peer name that /peer/<up|down|reset>/all passes to
// SetPeerState.
const AllPeers = "all"

// Topology is the cluster layout: datacenters, their racks, and the nodes
// of each rack, in the order /cluster_describe prints them.
type Topology struct {
	DCs []DC
}

// Add appends p to the servers of rack rack of datacenter dc, adding the
// datacenter and the rack after the others when they are new.
func (t *Topology) Add(dc, rack string, p Peer) {
	d := -1
	for i := range t.DCs {
		if t.DCs[i].Name == dc {
			d = i
		}
	}
	if d < 0 {
		t.DCs = append(t.DCs, DC{Name: dc})
		d = len(t.DCs) - 1
	}
	racks := &t.DCs[d].Racks
	r := -1
	for i := range *racks {
		if (*racks)[i].Name == rack {
			r = i
		}
	}
	if r < 0 {
		*racks = append(*racks, Rack{Name: rack})
		r = len(*racks) - 1
	}
	(*racks)[r].Servers = append((*racks)[r].Servers, p)
}

// DC is one datacenter.
type DC struct {
	Name  string
	Racks []Rack
}

// Rack is one rack of a datacenter.
type Rack struct {
	Name    string
	Servers []Peer
}

// Peer is one node of the cluster, this node included.
type Peer struct {
	// Name is the node's IP address. For the local node C Dynomite
	// reports EC2_PUBLIC_IPV4 or PUBLIC_IPV4 when set; the engine fills
	// that in.
	Name string
	// Host is the host name: for the local node EC2_PUBLIC_HOSTNAME or
	// PUBLIC_HOSTNAME when set, else its host name; for others the seed's
	// host.
	Host string
	// Port is the peer (dyn_listen) port.
	Port int
	// Token is the node's first token.
	Token uint32
	// Local marks this node.
	Local bool
	// State is the node's state as this node knows it.
	State State
}

// State is a node state of docs/compat.md §6.1. The numeric values are C Dynomite's
// (they travel in gossip payloads), so the gaps are deliberate.
type State uint8

// Node states. 5, 6, 9 and 10 (SUSPENDING, LEAVING, REMOVED, EXITING) are
// commented out in C Dynomite and have no constant here.
const (
	Init       State = 0  // process start
	Standby    State = 1  // admin: reject all local execution
	WritesOnly State = 2  // admin: reject reads
	Resuming   State = 3  // admin: reject reads, accept writes
	Normal     State = 4  // serving
	Joining    State = 7  // listeners up, gossip still joining
	Down       State = 8  // peer: no live connection
	Reset      State = 11 // peer: rebuild its connection pool on next use
	Unknown    State = 12
)

// String returns the name /state/get_state prints: the constant's name in
// upper case, "Unknown" for Unknown (as C), "INVALID STATE" otherwise.
func (s State) String() string {
	switch s {
	case Init:
		return "INIT"
	case Standby:
		return "STANDBY"
	case WritesOnly:
		return "WRITES_ONLY"
	case Resuming:
		return "RESUMING"
	case Normal:
		return "NORMAL"
	case Joining:
		return "JOINING"
	case Down:
		return "DOWN"
	case Reset:
		return "RESET"
	case Unknown:
		return "Unknown"
	}
	return "INVALID STATE"
}

// AllowsRead reports whether a read may execute on the local datastore in
// state s (docs/compat.md §4.8): only in Normal.
func (s State) AllowsRead() bool { return s == Normal }

// AllowsWrite reports whether a write may execute on the local datastore
// in state s (docs/compat.md §4.8): in Normal, WritesOnly and Resuming. In any other
// state C Dynomite queues the request without arming the write event, so
// it stalls; callers of AllowsWrite reject it instead.
func (s State) AllowsWrite() bool { return s == Normal || s == WritesOnly || s == Resuming }

// parseSettable returns the state that /state/<name> sets.
func parseSettable(name string) (State, bool) {
	switch name {
	case "standby":
		return Standby, true
	case "writes_only":
		return WritesOnly, true
	case "resuming":
		return Resuming, true
	case "normal":
		return Normal, true
	}
	return 0, false
}
