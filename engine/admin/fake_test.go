package admin

import (
	"net/http"

	"sync"
	"sync/atomic"

	"github.com/dynomite-go/dynomite/replica"
)

// fakeNode is an in-memory Node whose settings are atomics, like the
// engine's.
type fakeNode struct {
	read, write atomic.Uint32
	state       atomic.Uint32
	logLevel    atomic.Int32
	factor      atomic.Int32
	repairs     atomic.Bool

	mu   sync.Mutex
	topo Topology
}

func newFakeNode() *fakeNode {
	n := &fakeNode{}
	n.state.Store(uint32(Normal))
	n.logLevel.Store(5)
	n.factor.Store(1)
	n.topo = Topology{DCs: []DC{
		{Name: "dc1", Racks: []Rack{
			{Name: "rack1", Servers: []Peer{
				{Name: "10.0.0.1", Host: "node1.example", Port: 8101, Token: 0, Local: true, State: Normal},
				{Name: "10.0.0.2", Host: "node2.example", Port: 8101, Token: 2147483648, State: Normal},
			}},
			{Name: "rack2", Servers: []Peer{
				{Name: "10.0.0.3", Host: "node3.example", Port: 8101, Token: 1383429731, State: Down},
			}},
		}},
		{Name: "dc2", Racks: []Rack{
			{Name: "rack1", Servers: []Peer{
				{Name: "10.1.0.1", Host: "node4.example", Port: 8101, Token: 4294967295, State: Normal},
			}},
		}},
	}}
	return n
}

func (n *fakeNode) Consistency() (replica.Level, replica.Level) {
	return replica.Level(n.read.Load()), replica.Level(n.write.Load())
}

func (n *fakeNode) SetConsistency(read bool, l replica.Level) {
	if read {
		n.read.Store(uint32(l))
	} else {
		n.write.Store(uint32(l))
	}
}

func (n *fakeNode) State() State           { return State(n.state.Load()) }
func (n *fakeNode) SetState(s State)       { n.state.Store(uint32(s)) }
func (n *fakeNode) LogLevel() int          { return int(n.logLevel.Load()) }
func (n *fakeNode) SetLogLevel(l int)      { n.logLevel.Store(int32(l)) }
func (n *fakeNode) TimeoutFactor() int     { return int(n.factor.Load()) }
func (n *fakeNode) SetTimeoutFactor(f int) { n.factor.Store(int32(f)) }
func (n *fakeNode) ReadRepairs() bool      { return n.repairs.Load() }
func (n *fakeNode) SetReadRepairs(on bool) { n.repairs.Store(on) }

func (n *fakeNode) SetPeerState(name string, s State) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	changed := 0
	for _, dc := range n.topo.DCs {
		for _, rack := range dc.Racks {
			for i := range rack.Servers {
				p := &rack.Servers[i]
				if p.Local || (name != AllPeers && name != p.Name && name != p.Host) {
					continue
				}
				p.State = s
				changed++
			}
		}
	}
	return changed
}

func (n *fakeNode) peerState(name string) State {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, dc := range n.topo.DCs {
		for _, rack := range dc.Racks {
			for _, p := range rack.Servers {
				if p.Name == name {
					return p.State
				}
			}
		}
	}
	return Unknown
}

// Topology returns a deep copy, as the contract says the caller owns it.
func (n *fakeNode) Topology() Topology {
	n.mu.Lock()
	defer n.mu.Unlock()
	t := Topology{DCs: make([]DC, len(n.topo.DCs))}
	for i, dc := range n.topo.DCs {
		t.DCs[i] = DC{Name: dc.Name, Racks: make([]Rack, len(dc.Racks))}
		for j, rack := range dc.Racks {
			t.DCs[i].Racks[j] = Rack{Name: rack.Name, Servers: append([]Peer(nil), rack.Servers...)}
		}
	}
	return t
}

func httpPost(url string) (int, error) {
	resp, err := http.Post(url, "text/plain", nil)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
