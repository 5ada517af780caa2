package matrix

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

func TestTwemproxyConfig(t *testing.T) {
	f := func(redis bool, wantRedis bool) {
		t.Helper()
		text := twemproxyConfig("127.0.0.1:7001", "127.0.0.1:6390", redis)
		var doc map[string]map[string]any
		if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
			t.Fatalf("cannot parse the rendered configuration: %v\n%s", err, text)
		}
		pool, ok := doc["bench"]
		if len(doc) != 1 || !ok {
			t.Fatalf("unexpected pools; got %v; want one named bench", doc)
		}
		want := map[string]any{
			"listen": "127.0.0.1:7001", "hash": "fnv1a_64", "distribution": "ketama", "redis": wantRedis,
			"auto_eject_hosts": false, "server_connections": 1, "servers": []any{"127.0.0.1:6390:1"},
		}
		if len(pool) != len(want) {
			t.Errorf("unexpected keys; got %v; want %v", pool, want)
		}
		for k, v := range want {
			got, ok := pool[k]
			if !ok {
				t.Errorf("unexpected configuration without %s:\n%s", k, text)
				continue
			}
			if gs, ok := got.([]any); ok {
				if !slices.Equal(gs, v.([]any)) {
					t.Errorf("unexpected %s; got %v; want %v", k, got, v)
				}
			} else if got != v {
				t.Errorf("unexpected %s; got %v; want %v", k, got, v)
			}
		}
		// twemproxy's parser wants no tabs and a sequence under servers.
		if strings.Contains(text, "\t") {
			t.Errorf("unexpected tab in %q", text)
		}
	}
	f(true, true)
	f(false, false)
	args := twemproxyArgs("/tmp/x.yml", 22223)
	if !slices.Equal(args, []string{"-c", "/tmp/x.yml", "-s", "22223", "-a", "127.0.0.1"}) {
		t.Fatalf("unexpected arguments %v", args)
	}
}

// cKeys are the keys C Dynomite accepts in a pool (its command table);
// any other key makes it refuse the file.
var cKeys = []string{"listen", "dyn_listen", "stats_listen", "servers", "data_store", "datacenter", "rack", "tokens",
	"dyn_seeds", "dyn_seed_provider", "enable_gossip", "gos_interval", "hash", "hash_tag", "distribution",
	"server_connections", "timeout", "backlog", "client_connections", "preconnect", "auto_eject_hosts",
	"server_retry_timeout", "server_failure_limit", "datastore_connections", "local_peer_connections",
	"remote_peer_connections", "dyn_connections", "dyn_port", "dyn_read_timeout", "dyn_write_timeout",
	"read_consistency", "write_consistency", "read_repairs_enabled", "secure_server_option", "pem_key_file",
	"recon_key_file", "recon_iv_file", "env", "conn_msg_rate", "stats_interval", "mbuf_size", "max_msgs"}

// TestCDynomiteConfig: the YAML a c-3-quorum twin gets (the node's) is one
// C Dynomite accepts: one pool, known keys, seeds host:port:rack:dc:tokens,
// and the consistency asked for.
func TestCDynomiteConfig(t *testing.T) {
	o := options{dynomiteC: "/c/dynomite", cluster: true}
	var quorum spec
	for _, s := range targetSpecs(o, "/new/dynomite", "") {
		if s.name == "c-3-quorum" {
			quorum = s
		}
	}
	if quorum.bin != "/c/dynomite" || quorum.racks != 3 || quorum.consistency != "DC_QUORUM" || quorum.kind != redisNodes {
		t.Fatalf("unexpected C twin %+v", quorum)
	}
	base := enginetest.NodeConfig{Datacenter: "dc1", Extra: map[string]string{"read_consistency": quorum.consistency, "write_consistency": quorum.consistency}}
	cfgs, err := enginetest.Cluster(quorum.racks, 1, base)
	if err != nil {
		t.Fatalf("cannot make the cluster: %v", err)
	}
	for i, c := range cfgs {
		c.Servers = []string{"127.0.0.1:6379:1"}
		text := c.YAML()
		var doc map[string]map[string]any
		if err := yaml.Unmarshal([]byte(text), &doc); err != nil || len(doc) != 1 {
			t.Fatalf("cannot parse node %d's YAML (%v):\n%s", i, err, text)
		}
		for _, pool := range doc {
			for k := range pool {
				if !slices.Contains(cKeys, k) {
					t.Errorf("unexpected key %q, unknown to C Dynomite:\n%s", k, text)
				}
			}
			if pool["write_consistency"] != "DC_QUORUM" || pool["tokens"] == nil {
				t.Errorf("unexpected node %d:\n%s", i, text)
			}
			seeds, _ := pool["dyn_seeds"].([]any)
			if len(seeds) != 2 {
				t.Fatalf("unexpected seeds of node %d: %v", i, pool["dyn_seeds"])
			}
			for _, s := range seeds {
				if f := strings.Split(s.(string), ":"); len(f) != 5 || f[3] != "dc1" || !strings.HasPrefix(f[2], "rack") {
					t.Errorf("unexpected seed %q; want host:port:rack:dc:tokens", s)
				}
			}
		}
	}
}

// TestPeerTargets: every node target gets its twins right after it, in the
// order base, c, twem; twemproxy only next to single nodes; the replicating
// floor comes before each cluster.
func TestPeerTargets(t *testing.T) {
	o := options{baseline: "/old/dynomite", dynomiteC: "/c/dynomite", twemBin: "/usr/sbin/nutcracker",
		cluster: true, memcached: true, direct: true, floor: true}
	specs := targetSpecs(o, "/new/dynomite", "")
	want := []string{"redis", floorTarget, "dyn-1", "base-1", "c-1", twemproxyTarget,
		"floor-3-one", "dyn-3-one", "base-3-one", "c-3-one", "floor-3-quorum", "dyn-3-quorum", "base-3-quorum", "c-3-quorum",
		memcachedTarget, "dyn-1-mc", "base-1-mc", "c-1-mc", twemproxyMCTarget, floorMCTarget}
	if got := specNames(specs); !slices.Equal(got, want) {
		t.Fatalf("unexpected targets; got %v; want %v", got, want)
	}
	for _, s := range specs {
		switch {
		case strings.HasPrefix(s.name, "c-"):
			if s.bin != "/c/dynomite" || s.twin != "dyn-"+strings.TrimPrefix(s.name, "c-") || !strings.HasPrefix(s.desc, "C Dynomite, ") {
				t.Errorf("unexpected C twin %+v", s)
			}
		case s.name == twemproxyTarget:
			if s.kind != twemRedis || s.twin != "dyn-1" || s.desc != "twemproxy, own redis-server" {
				t.Errorf("unexpected twemproxy twin %+v", s)
			}
		case s.name == twemproxyMCTarget:
			if s.kind != twemMemcached || s.twin != "dyn-1-mc" {
				t.Errorf("unexpected twemproxy twin %+v", s)
			}
		}
	}
	for _, c := range []struct{ node, prefix, want string }{
		{"dyn-1", "c", "c-1"}, {"dyn-3-quorum", "twem", "twem-3-quorum"}, {"redis", "c", ""}, {"dyn-", "c", ""}, {floorTarget, "base", ""},
	} {
		if got := peerName(c.node, c.prefix); got != c.want {
			t.Errorf("unexpected peer name of %s/%s; got %q; want %q", c.node, c.prefix, got, c.want)
		}
	}
}

// TestPeerColumns: the table has a column per peer that ran, with the
// same-rep ratio median, and the CPU per process kind.
func TestPeerColumns(t *testing.T) {
	mk := func(target string, rep int, ops float64) sample {
		return sample{Workload: "mix", Target: target, Rep: rep, Load: load{OpsSec: ops, Requests: 100},
			CPUPerOp: 30, CoordCPUPerOp: 20, ReplicaCPUPerOp: 5, Replicas: 2, StoreCPUPerOp: 7}
	}
	var samples []sample
	for rep, ops := range [][4]float64{{100, 50, 40, 60}, {100, 60, 50, 50}, {100, 55, 50, 40}} {
		samples = append(samples, mk("redis", rep+1, ops[0]), mk("dyn-1", rep+1, ops[1]),
			mk("c-1", rep+1, ops[2]), mk(twemproxyTarget, rep+1, ops[3]))
	}
	rows := summarize(samples, []string{"mix"}, []string{"redis", "dyn-1", "c-1", twemproxyTarget})
	d := rows[1]
	// vs C per rep: 1.25, 1.2, 1.1 -> 1.2; vs twem: 0.833, 1.2, 1.375 -> 1.2.
	if math.Abs(d.CRatio-1.2) > 1e-9 || math.Abs(d.TwemRatio-1.2) > 1e-9 || !math.IsNaN(d.BaseRatio) {
		t.Fatalf("unexpected peer ratios; got C %v, twem %v, base %v; want 1.2, 1.2, NaN", d.CRatio, d.TwemRatio, d.BaseRatio)
	}
	if d.CoordCPU != 20 || d.ReplicaCPU != 5 || d.StoreCPU != 7 || d.CPUPerOp != 30 {
		t.Fatalf("unexpected CPU per kind %+v", d)
	}
	if !math.IsNaN(rows[2].CRatio) {
		t.Fatalf("unexpected ratio on a peer's own row %+v", rows[2])
	}
	var b bytes.Buffer
	writeTable(&b, rows)
	out := b.String()
	for _, want := range []string{"ratio   vs C  vs twem", "coord µs/op  replica µs/op  redis µs/op", "1.200    1.200",
		"20.00           5.00         7.00"} {
		if !strings.Contains(out, want) {
			t.Errorf("unexpected table without %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "vs base") {
		t.Errorf("unexpected column vs base without a baseline:\n%s", out)
	}
}
