package main

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/conf"
)

func TestPlanThreeRacks(t *testing.T) {
	servers := []string{"127.0.0.1:7001:1", "127.0.0.1:7002:1", "127.0.0.1:7003:1"}
	cfgs, err := plan(3, "redis", servers)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != 3 {
		t.Fatalf("unexpected number of nodes; got %d; want 3", len(cfgs))
	}
	ports := map[string]bool{}
	for i, c := range cfgs {
		cfg, _, err := conf.Parse(fmt.Sprintf("node%d.yml", i+1), []byte(c.YAML()))
		if err != nil {
			t.Fatalf("node %d: invalid YAML: %v\n%s", i+1, err, c.YAML())
		}
		q := cfg.Pool
		if q.Rack != fmt.Sprintf("rack%d", i+1) || q.Datacenter != "dc1" || q.DataStore != 0 {
			t.Fatalf("node %d: unexpected placement %s/%s data_store %d", i+1, q.Datacenter, q.Rack, q.DataStore)
		}
		if len(q.Tokens) != 1 || q.Tokens[0] != 0 {
			t.Fatalf("node %d: unexpected tokens %v; want [0]", i+1, q.Tokens)
		}
		if q.Servers[0].Addr.Raw != strings.TrimSuffix(servers[i], ":1") {
			t.Fatalf("node %d: unexpected server %v", i+1, q.Servers[0].Addr)
		}
		for _, a := range []conf.Addr{q.Listen, q.DynListen, q.StatsListen} {
			if a.Host != "127.0.0.1" || ports[a.String()] {
				t.Fatalf("node %d: address %s not loopback or not unique", i+1, a)
			}
			ports[a.String()] = true
		}
		if len(q.DynSeeds) != 2 {
			t.Fatalf("node %d: unexpected seeds %v", i+1, q.DynSeeds)
		}
		for _, s := range q.DynSeeds {
			j := int(s.Rack[len("rack")]-'0') - 1
			if j == i || s.Addr.String() != cfgs[j].DynListen || s.DC != "dc1" || s.Tokens[0] != 0 {
				t.Fatalf("node %d: seed %+v does not point at node %d's dyn_listen %s", i+1, s, j+1, cfgs[j].DynListen)
			}
		}
	}
}

func TestPlanOneMemcached(t *testing.T) {
	cfgs, err := plan(1, "memcached", []string{"127.0.0.1:11211:1"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := conf.Parse("mc.yml", []byte(cfgs[0].YAML()))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Pool.DataStore != 1 || len(cfg.Pool.DynSeeds) != 0 || cfg.Pool.Servers[0].Name != "127.0.0.1" {
		t.Fatalf("unexpected config: %+v", cfg.Pool)
	}
	if _, err := plan(2, "redis", []string{"x"}); err == nil {
		t.Fatal("plan accepted fewer servers than racks")
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-data-store", "memcached", "-racks", "5", "-dynomite", "/x/dynomite", "-v", "7"}, io.Discard)
	if err != nil || o != (options{dataStore: "memcached", racks: 5, dynomite: "/x/dynomite", verbosity: 7}) {
		t.Fatalf("unexpected result; got %+v, %v", o, err)
	}
	o, err = parseFlags(nil, io.Discard)
	if err != nil || o != (options{dataStore: "redis", racks: 3, verbosity: 5}) {
		t.Fatalf("unexpected defaults; got %+v, %v", o, err)
	}
	for _, args := range [][]string{{"-data-store", "mysql"}, {"-racks", "0"}, {"extra"}, {"-nope"}} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Fatalf("no error for %v", args)
		}
	}
}
