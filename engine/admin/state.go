package admin

// State is a node state of spec §6.1. The numeric values are C Dynomite's
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
// state s (spec §4.8): only in Normal.
func (s State) AllowsRead() bool { return s == Normal }

// AllowsWrite reports whether a write may execute on the local datastore
// in state s (spec §4.8): in Normal, WritesOnly and Resuming. In any other
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
