package main

import (
	"log/slog"
	"testing"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine"
)

// The command hands the process's environment to the engine: the node
// names itself from EC2_PUBLIC_IPV4 and PUBLIC_HOSTNAME in
// /cluster_describe, as C Dynomite does.
func TestEngineNodeSeesEnvironment(t *testing.T) {
	t.Setenv("EC2_PUBLIC_IPV4", "203.0.113.9")
	t.Setenv("PUBLIC_HOSTNAME", "node.example")
	cfg := &conf.Config{PoolName: "dyn_o_mite", Pool: conf.Pool{
		Listen:    conf.Addr{Network: "tcp", Host: "127.0.0.1", Raw: "127.0.0.1:0"},
		DynListen: conf.Addr{Network: "tcp", Host: "127.0.0.1", Port: 8101, Raw: "127.0.0.1:8101"},
		Servers: []conf.Server{{Addr: conf.Addr{Network: "tcp", Host: "127.0.0.1", Port: 1, Raw: "127.0.0.1:1"},
			Weight: 1, Name: "127.0.0.1:1"}},
		DatastoreConnections: 1,
	}}
	n, err := newEngineNode(cfg, slog.New(slog.DiscardHandler), 0, newLogLevel(5))
	if err != nil {
		t.Fatal(err)
	}
	topo := n.(*engine.Node).Topology()
	if len(topo.DCs) != 1 || len(topo.DCs[0].Racks) != 1 || len(topo.DCs[0].Racks[0].Servers) != 1 {
		t.Fatalf("unexpected topology of a single node: %+v", topo)
	}
	if p := topo.DCs[0].Racks[0].Servers[0]; p.Name != "203.0.113.9" || p.Host != "node.example" {
		t.Fatalf("unexpected local node; got name %q host %q; want 203.0.113.9 and node.example", p.Name, p.Host)
	}
}
