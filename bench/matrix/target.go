package matrix

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/dynomite-go/dynomite/bench"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// target is one system under test: the port the load goes to, the processes
// whose CPU and memory are measured, and every process to stop at the end.
type target struct {
	name     string
	desc     string
	port     int
	measured []*enginetest.Proc // redis-server for direct, the nodes for a proxy
	stores   []*enginetest.Proc // every redis-server of the target
	all      []*enginetest.Proc
	protocol string // "" for Redis, bench.ProtoMemcacheText for memcached targets
	// twin is the node target this one is compared with (for a -baseline
	// build or the stats-off build; "" for none): the two run back to back
	// in every rep (runOrder).
	twin string
	// tls: the load connects with TLS (client_tls), nil for plain.
	tls *certFiles
	// onStop stops what the target runs in this process (nil for none).
	onStop func() error
	// swaps counts the ring changes served to a floridaNodes target.
	swaps *atomic.Int64
}

// kind is what a target runs.
type kind int

const (
	redisDirect       kind = iota // redis-server direct
	memcachedDirect               // memcached direct
	redisNodes                    // racks x 1 dynomite nodes, each in front of its own redis-server
	memcachedNode                 // one dynomite node in front of its own memcached
	redisFloor                    // the floor forwarder in front of its own redis-server
	memcachedFloor                // the floor forwarder in front of its own memcached
	twemRedis                     // twemproxy in front of its own redis-server
	twemMemcached                 // twemproxy in front of its own memcached
	floridaNodes                  // racks x 1 nodes, the first with florida seeds (swap.go)
	redisFloorCluster             // 3 floors, each in front of its own redis-server, the first replicating to the others
)

// spec is a target before it starts.
type spec struct {
	name, desc  string
	kind        kind
	bin         string // the dynomite binary of redisNodes and memcachedNode, twemproxy's of twem*
	racks       int    // redisNodes: racks of one node each
	consistency string // redisNodes: read and write consistency, "" for the default
	twin        string // see target.twin
	// extra are YAML keys of redisNodes added to every node's (secure.go).
	extra map[string]string
	// clientTLS: the node's client port speaks TLS; the load verifies it
	// with these files and presents the leaf as its certificate.
	clientTLS *certFiles
	// swap: a floridaNodes target whose seed list changes every second.
	swap bool
}

// targetSpecs lists the targets of o in the order they start and are
// reported. bin is the dynomite binary ("" leaves the node targets out),
// noStats the stats-off build for -stats-cost ("" for none). Every node
// target is followed by its twins (peerSpecs): base-* with -baseline, c-*
// with -dynomite-c (the same spec: configuration, racks, consistency,
// datastores, with the other binary) and, for a single node, twem-* with
// twemproxy.
func targetSpecs(o options, bin, noStats string) []spec {
	var out []spec
	node := func(s spec) {
		if s.bin != "" {
			out = append(out, s)
		}
		out = append(out, peerSpecs(o, s)...)
	}
	if o.direct {
		out = append(out, spec{name: "redis", desc: "redis-server direct", kind: redisDirect})
	}
	if o.floor {
		out = append(out, spec{name: floorTarget, desc: "the smallest forwarder (dynomite-bench floor), own redis-server", kind: redisFloor})
	}
	node(spec{name: "dyn-1", desc: "dynomite-go, 1 node, own redis-server", kind: redisNodes, bin: bin, racks: 1})
	if noStats != "" {
		out = append(out, spec{name: noStatsTarget, desc: "dynomite-go built with -tags nostats (stats off), 1 node, own redis-server",
			kind: redisNodes, bin: noStats, racks: 1, twin: "dyn-1"})
	}
	if o.cluster {
		for _, c := range []string{"DC_ONE", "DC_QUORUM"} {
			name := "dyn-3-" + strings.ToLower(strings.TrimPrefix(c, "DC_"))
			if o.floor {
				out = append(out, spec{name: "floor-3-" + strings.ToLower(strings.TrimPrefix(c, "DC_")),
					desc: "the smallest replicating forwarder (dynomite-bench floor -replicate), 3 racks, " + c, kind: redisFloorCluster, racks: 3, consistency: c})
			}
			node(spec{name: name, desc: "dynomite-go, 3 racks x 1 node, " + c, kind: redisNodes, bin: bin, racks: 3, consistency: c})
		}
	}
	if o.memcached {
		if o.direct {
			out = append(out, spec{name: memcachedTarget, desc: "memcached direct", kind: memcachedDirect})
		}
		node(spec{name: "dyn-1-mc", desc: "dynomite-go, 1 node, own memcached", kind: memcachedNode, bin: bin, racks: 1})
		if o.floor {
			out = append(out, spec{name: floorMCTarget, desc: "the smallest forwarder (dynomite-bench floor), own memcached", kind: memcachedFloor})
		}
	}
	return out
}

// memcachedTarget is the name of memcached direct.
const memcachedTarget = "memcached"

func startMemcachedTarget() (*target, error) {
	mc, err := enginetest.StartMemcached(enginetest.MemcachedOptions{})
	if err != nil {
		return nil, fmt.Errorf("cannot start memcached: %w", err)
	}
	return &target{name: memcachedTarget, desc: "memcached direct", port: mc.Port, protocol: bench.ProtoMemcacheText,
		measured: []*enginetest.Proc{mc}, stores: []*enginetest.Proc{mc}, all: []*enginetest.Proc{mc}}, nil
}

// startMemcachedProxyTarget starts one dynomite node (data_store 1) in front
// of its own memcached.
func startMemcachedProxyTarget(name, binary string) (*target, error) {
	t := &target{name: name, desc: "dynomite-go, 1 node, own memcached", protocol: bench.ProtoMemcacheText}
	mc, err := enginetest.StartMemcached(enginetest.MemcachedOptions{})
	if err != nil {
		return nil, fmt.Errorf("cannot start memcached: %w", err)
	}
	t.all, t.stores = []*enginetest.Proc{mc}, []*enginetest.Proc{mc}
	cfg := enginetest.NodeConfig{Datacenter: "dc1", DataStore: 1, Tokens: "0", Servers: []string{enginetest.ServerEntry(mc)},
		Extra: bufferKeys()}
	n, err := enginetest.StartNode(binary, cfg)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("cannot start dynomite node: %w", err), t.stop())
	}
	t.all = append(t.all, n)
	t.measured = []*enginetest.Proc{n}
	t.port = n.Port
	return t, nil
}

// stop stops every process of the target by PID and removes their files.
func (t *target) stop() error {
	var err error
	for i := len(t.all) - 1; i >= 0; i-- {
		err = errors.Join(err, t.all[i].Close())
	}
	t.all = nil
	if t.onStop != nil {
		err = errors.Join(err, t.onStop())
		t.onStop = nil
	}
	return err
}

// pids returns the PIDs of procs.
func pids(procs []*enginetest.Proc) []int {
	p := make([]int, len(procs))
	for i, m := range procs {
		p[i] = m.PID()
	}
	return p
}

// bufferKeys are the buffer settings every node's YAML states, at C
// Dynomite's defaults: C Dynomite warns when they are missing and takes
// them from its deprecated flags, and both builds then run with the same
// buffers.
func bufferKeys() map[string]string {
	return map[string]string{"mbuf_size": "16384", "max_msgs": "200000"}
}

// redisOptions are the datastore settings of every target: no persistence.
func redisOptions(path string) enginetest.RedisOptions {
	return enginetest.RedisOptions{Path: path, Args: []string{"--save", "", "--appendonly", "no"}}
}

func startRedisTarget(redisPath string) (*target, error) {
	rs, err := enginetest.StartRedis(redisOptions(redisPath))
	if err != nil {
		return nil, fmt.Errorf("cannot start redis-server: %w", err)
	}
	return &target{name: "redis", desc: "redis-server direct", port: rs.Port,
		measured: []*enginetest.Proc{rs}, stores: []*enginetest.Proc{rs}, all: []*enginetest.Proc{rs}}, nil
}

// startProxyTarget starts racks x 1 dynomite nodes, each in front of its own
// redis-server, at the given consistency ("" for the node's default), with
// the extra YAML keys (nil for none). The load goes to the first node.
func startProxyTarget(name, desc, binary, redisPath string, racks int, consistency string, extra map[string]string) (*target, error) {
	return startProxyTargetEach(name, desc, binary, redisPath, racks, consistency, extra, nil)
}

// startProxyTargetEach is startProxyTarget with each, when not nil,
// called with node i's own copy of its extra YAML keys before it starts.
func startProxyTargetEach(name, desc, binary, redisPath string, racks int, consistency string, extra map[string]string, each func(i int, extra map[string]string)) (*target, error) {
	t := &target{name: name, desc: desc}
	cfgs, err := t.clusterStores(racks, consistency, extra, redisPath)
	if err != nil {
		return nil, err
	}
	for i := range cfgs {
		if racks == 1 {
			cfgs[i].DynSeeds = nil
		}
		if each != nil {
			own := make(map[string]string, len(cfgs[i].Extra)+2)
			for k, v := range cfgs[i].Extra {
				own[k] = v
			}
			each(i, own)
			cfgs[i].Extra = own
		}
		n, err := enginetest.StartNode(binary, cfgs[i])
		if err != nil {
			return nil, errors.Join(fmt.Errorf("cannot start dynomite node %d: %w", i+1, err), t.stop())
		}
		t.all = append(t.all, n)
		t.measured = append(t.measured, n)
	}
	t.port = t.measured[0].Port
	return t, nil
}

// clusterStores makes the configurations of a racks x 1 node cluster
// (the bench's buffer keys, extra, the consistency when not "") and
// starts a redis-server for each node, kept in t; on error t is stopped.
func (t *target) clusterStores(racks int, consistency string, extra map[string]string, redisPath string) ([]enginetest.NodeConfig, error) {
	base := enginetest.NodeConfig{Datacenter: "dc1", Extra: bufferKeys()}
	for k, v := range extra {
		base.Extra[k] = v
	}
	if consistency != "" {
		base.Extra["read_consistency"], base.Extra["write_consistency"] = consistency, consistency
	}
	cfgs, err := enginetest.Cluster(racks, 1, base)
	if err != nil {
		return nil, err
	}
	for i := range cfgs {
		rs, err := enginetest.StartRedis(redisOptions(redisPath))
		if err != nil {
			return nil, errors.Join(fmt.Errorf("cannot start redis-server: %w", err), t.stop())
		}
		t.all = append(t.all, rs)
		t.stores = append(t.stores, rs)
		cfgs[i].Servers = []string{enginetest.ServerEntry(rs)}
	}
	return cfgs, nil
}

// floorTarget is the name of the floor forwarder (bench/floor) in front of
// Redis, floorMCTarget in front of memcached.
const (
	floorTarget   = "floor"
	floorMCTarget = "floor-mc"
)

// startFloorTarget starts a redis-server (or memcached) and `dynomite-bench
// floor` (this executable) in front of it.
func startFloorTarget(redisPath string, memcache bool) (*target, error) {
	var err error
	t := &target{name: floorTarget, desc: "the smallest forwarder (dynomite-bench floor), own redis-server"}
	var store *enginetest.Proc
	proto := "redis"
	if memcache {
		t.name, t.desc, t.protocol = floorMCTarget, "the smallest forwarder (dynomite-bench floor), own memcached", bench.ProtoMemcacheText
		store, err = enginetest.StartMemcached(enginetest.MemcachedOptions{})
		proto = "memcache_text"
	} else {
		store, err = enginetest.StartRedis(redisOptions(redisPath))
	}
	if err != nil {
		return nil, fmt.Errorf("cannot start the datastore: %w", err)
	}
	t.all, t.stores = []*enginetest.Proc{store}, []*enginetest.Proc{store}
	f, err := startFloor(t, t.name, "-server", store.Addr, "-protocol", proto)
	if err != nil {
		return nil, errors.Join(err, t.stop())
	}
	t.measured = []*enginetest.Proc{f}
	t.port = f.Port
	return t, nil
}

// startFloor starts `dynomite-bench floor` (this executable) as name with
// args after its -listen, and adds it to t.all.
func startFloor(t *target, name string, args ...string) (*enginetest.Proc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	f, err := enginetest.StartProgram(name, exe, func(addr string) []string {
		return append([]string{"floor", "-listen", addr}, args...)
	})
	if err == nil {
		t.all = append(t.all, f)
	}
	return f, err
}

// startFloorClusterTarget starts three redis-servers, `dynomite-bench
// floor` (this executable) in front of the second and the third, the
// replicas, and a floor in front of the first that copies requests to them
// under consistency (DC_ONE or DC_QUORUM): the least a replicating proxy
// does (bench/floor, cluster_linux.go).
func startFloorClusterTarget(s spec, redisPath string) (*target, error) {
	t := &target{name: s.name, desc: s.desc}
	for range 3 {
		store, err := enginetest.StartRedis(redisOptions(redisPath))
		if err != nil {
			return nil, errors.Join(fmt.Errorf("cannot start the datastore: %w", err), t.stop())
		}
		t.all, t.stores = append(t.all, store), append(t.stores, store)
	}
	var peers []string
	var replicas []*enginetest.Proc
	for i, store := range t.stores[1:] {
		f, err := startFloor(t, fmt.Sprintf("%s-%d", s.name, i+2), "-server", store.Addr)
		if err != nil {
			return nil, errors.Join(err, t.stop())
		}
		replicas, peers = append(replicas, f), append(peers, f.Addr)
	}
	args := []string{"-server", t.stores[0].Addr, "-replicate", strings.Join(peers, ",")}
	if s.consistency == "DC_QUORUM" {
		args = append(args, "-quorum")
	}
	c, err := startFloor(t, s.name, args...)
	if err != nil {
		return nil, errors.Join(err, t.stop())
	}
	t.measured = append([]*enginetest.Proc{c}, replicas...)
	t.port = c.Port
	return t, nil
}

// findDynomite returns the dynomite binary: the given path, else "dynomite"
// next to this executable (bin/ after `make build`), else a build of
// ./cmd/dynomite.
func findDynomite(path string) (string, error) {
	if path != "" {
		return path, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "dynomite")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return enginetest.Build()
}
