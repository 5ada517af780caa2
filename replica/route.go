package replica

// Topology is what the coordinator needs to know of the ring. DCs and racks are
// indexes: racks are sorted by name inside their DC, and index LocalDC()/LocalRack()
// is this node's. Node indexes are the topology's own; LocalNode() is this node.
// Implementations must be immutable snapshots: Route is called concurrently.
type Topology interface {
	DCs() int
	Racks(dc int) int
	LocalDC() int
	LocalRack() int
	LocalNode() int
	Nodes() int
	// NodeDC returns the DC index of a node.
	NodeDC(node int) int
	// Owner returns the node owning token in rack rack of DC dc.
	Owner(dc, rack int, token uint32) int
	// PreferredRack returns the rack of remote DC dc that this node forwards to
	// (docs/compat.md §4.3 step 8: racks[localRackIndex % rackCount]).
	PreferredRack(dc int) int
}

// Routing is a command's routing class (docs/compat.md §4.6).
type Routing uint8

// Routing classes.
const (
	RouteNormal         Routing = iota // by consistency level
	RouteLocalOnly                     // local datastore only, DC_ONE (PING, INFO, KEYS, SCAN ...)
	RouteOwnerLocalRack                // token owner in the local rack only (HGETALL, HSCAN ...)
	RouteAllNodes                      // every node of every rack and DC; client gets the local reply
)

// Request is what Route needs to know of a client request.
type Request struct {
	Write   bool
	Routing Routing
	Level   Level // the connection's read or write level, chosen by Write
	Token   uint32
}

// Target is one copy of a request.
type Target struct {
	Node    int  // topology node index; LocalNode() means the local datastore
	DC      int  // DC index of Node
	Rack    int  // rack index of Node inside its DC
	Forward bool // send as DMSG_REQ_FORWARD: the receiver replicates to its DC's racks
	Counted bool // the reply takes part in the decision; otherwise it is swallowed
}

// planStack is the number of targets a Plan holds without allocating: 3 racks in
// each of 2 DCs, plus one failover, covers the usual deployments; more spill to the heap.
const planStack = 8

// Plan is the set of targets of one request. Targets is valid until the next Route
// into the same Plan.
type Plan struct {
	Targets []Target
	Req     Request
	stk     [planStack]Target
}

// Reset empties the plan, keeping its storage.
func (p *Plan) Reset() {
	p.Targets = p.stk[:0]
	p.Req = Request{}
}

func (p *Plan) add(t Target) {
	if p.Targets == nil {
		p.Targets = p.stk[:0]
	}
	p.Targets = append(p.Targets, t)
}

// Route fills p with the targets of r. The local datastore, when a target, is always
// first, so that the engine can send the remote copies after it.
func Route(topo Topology, r Request, p *Plan) {
	p.Reset()
	if r.Routing != RouteNormal {
		r.Level = DCOne
	}
	p.Req = r
	ldc, lrack := topo.LocalDC(), topo.LocalRack()
	switch r.Routing {
	case RouteLocalOnly:
		p.add(Target{Node: topo.LocalNode(), DC: ldc, Rack: lrack, Counted: true})
		return
	case RouteOwnerLocalRack:
		p.add(Target{Node: topo.Owner(ldc, lrack, r.Token), DC: ldc, Rack: lrack, Counted: true})
		return
	case RouteAllNodes:
		routeAll(topo, p)
		return
	}
	// The local DC: own rack first, then the other racks in order.
	own := Target{Node: topo.Owner(ldc, lrack, r.Token), DC: ldc, Rack: lrack, Counted: true}
	p.add(own)
	if r.Write || r.Level > DCOne {
		for rack := 0; rack < topo.Racks(ldc); rack++ {
			if rack == lrack {
				continue
			}
			p.add(Target{Node: topo.Owner(ldc, rack, r.Token), DC: ldc, Rack: rack, Counted: r.Level > DCOne})
		}
	}
	if !r.Write && r.Level != DCEachSafeQuorum {
		return
	}
	for dc := 0; dc < topo.DCs(); dc++ {
		if dc == ldc || topo.Racks(dc) == 0 {
			continue
		}
		if r.Level == DCEachSafeQuorum {
			for rack := 0; rack < topo.Racks(dc); rack++ {
				p.add(Target{Node: topo.Owner(dc, rack, r.Token), DC: dc, Rack: rack, Counted: true})
			}
			continue
		}
		rack := topo.PreferredRack(dc)
		p.add(Target{Node: topo.Owner(dc, rack, r.Token), DC: dc, Rack: rack, Forward: true})
	}
}

func routeAll(topo Topology, p *Plan) {
	local := topo.LocalNode()
	p.add(Target{Node: local, DC: topo.LocalDC(), Rack: topo.LocalRack(), Counted: true})
	for n := 0; n < topo.Nodes(); n++ {
		if n != local {
			p.add(Target{Node: n, DC: topo.NodeDC(n), Rack: -1})
		}
	}
}

// Failover returns the target to try after t could not be sent or failed at the
// connection level: the owner in the next rack of the same DC, skipping racks that
// already appear in the plan. ok is false when no rack is left. It serves the
// remote-DC failover of docs/compat.md §4.3 step 8 and, beyond C Dynomite, DC_ONE reads whose
// own-rack owner or local datastore is down.
func Failover(topo Topology, p *Plan, t Target) (next Target, ok bool) {
	n := topo.Racks(t.DC)
	for i := 1; i < n; i++ {
		rack := (t.Rack + i) % n
		if p.hasRack(t.DC, rack) {
			continue
		}
		next = Target{Node: topo.Owner(t.DC, rack, p.Req.Token), DC: t.DC, Rack: rack, Forward: t.Forward, Counted: t.Counted}
		return next, true
	}
	return Target{}, false
}

func (p *Plan) hasRack(dc, rack int) bool {
	for _, t := range p.Targets {
		if t.DC == dc && t.Rack == rack {
			return true
		}
	}
	return false
}
