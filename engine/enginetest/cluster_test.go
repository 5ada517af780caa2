package enginetest

import (
	"strings"
	"testing"
)

func TestClusterOf(t *testing.T) {
	members := []Member{{DC: "dc1", Rack: "r1"}, {DC: "dc2", Rack: "r1", Tokens: "5"}, {DC: "dc2", Rack: "r2", Tokens: "1,9"}}
	cfgs, err := ClusterOf(members, NodeConfig{Timeout: 700, Extra: map[string]string{"hash": "murmur"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != 3 {
		t.Fatalf("unexpected count; got %d; want 3", len(cfgs))
	}
	ports := map[string]bool{}
	for i, c := range cfgs {
		if c.Datacenter != members[i].DC || c.Rack != members[i].Rack || c.Timeout != 700 {
			t.Fatalf("node %d: unexpected placement or settings; got %s/%s timeout %d", i, c.Datacenter, c.Rack, c.Timeout)
		}
		for _, a := range []string{c.Listen, c.DynListen, c.StatsListen} {
			if !strings.HasPrefix(a, "127.0.0.1:") || ports[a] {
				t.Fatalf("node %d: unexpected or repeated address %q", i, a)
			}
			ports[a] = true
		}
		if len(c.DynSeeds) != 2 {
			t.Fatalf("node %d: unexpected seeds %q; want the 2 others", i, c.DynSeeds)
		}
		for _, s := range c.DynSeeds {
			if strings.HasPrefix(s, c.DynListen+":") {
				t.Fatalf("node %d lists itself in dyn_seeds: %q", i, s)
			}
		}
	}
	if cfgs[0].Tokens != "0" {
		t.Fatalf("unexpected default token; got %q; want 0", cfgs[0].Tokens)
	}
	if want := cfgs[2].DynListen + ":r2:dc2:1,9"; cfgs[0].DynSeeds[1] != want {
		t.Fatalf("unexpected seed; got %q; want %q", cfgs[0].DynSeeds[1], want)
	}
	cfgs[0].Extra["read_consistency"] = "DC_QUORUM"
	if _, ok := cfgs[1].Extra["read_consistency"]; ok {
		t.Fatalf("nodes share one Extra map")
	}
	if y := cfgs[1].YAML(); !strings.Contains(y, "  datacenter: dc2\n") || !strings.Contains(y, "  hash: murmur\n") {
		t.Fatalf("unexpected YAML:\n%s", y)
	}
	if _, err := ClusterOf(nil, NodeConfig{}); err == nil {
		t.Fatalf("unexpected success for an empty cluster")
	}
}

func TestRenumber(t *testing.T) {
	cfgs, err := ClusterOf([]Member{{Rack: "a"}, {Rack: "b"}}, NodeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	seeds0 := append([]string(nil), cfgs[0].DynSeeds...)
	nodes := []*ClusterNode{{Config: cfgs[0]}, {Config: cfgs[1]}}
	if err := renumber(nodes); err != nil {
		t.Fatal(err)
	}
	if nodes[0].Config.DynSeeds[0] != nodes[1].Config.DynListen+":b:dc1:0" {
		t.Fatalf("unexpected seed after renumbering; got %q; want the new address of node 1", nodes[0].Config.DynSeeds[0])
	}
	if cfgs[0].DynSeeds[0] != seeds0[0] {
		t.Fatalf("renumber changed the caller's configuration: %q", cfgs[0].DynSeeds)
	}
}
