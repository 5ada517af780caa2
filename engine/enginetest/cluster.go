package enginetest

import (
	"errors"
	"fmt"
	"maps"
)

// Member places one node of a cluster built by ClusterOf.
type Member struct {
	DC     string // datacenter name; default "dc1"
	Rack   string // rack name; default "rack1"
	Tokens string // decimal uint32 token(s); default "0"
}

// ClusterOf returns one configuration per member, in the members' order:
// base's fields (each with its own copy of Extra) with the member's
// datacenter, rack and tokens, free loopback listen ports, no servers (the
// caller or StartCluster sets them), and every other member in dyn_seeds. Unlike Cluster it places nodes in any number of
// datacenters and racks with any tokens.
func ClusterOf(members []Member, base NodeConfig) ([]NodeConfig, error) {
	if len(members) == 0 {
		return nil, errors.New("enginetest: a cluster needs at least one member")
	}
	cfgs := make([]NodeConfig, len(members))
	for i, m := range members {
		c := base
		c.Extra = maps.Clone(base.Extra)
		c.Listen, c.DynListen, c.StatsListen = "", "", ""
		c.Servers = nil
		c.Datacenter = orDefault(m.DC, "dc1")
		c.Rack = orDefault(m.Rack, "rack1")
		c.Tokens = orDefault(m.Tokens, "0")
		if err := c.FillPorts(); err != nil {
			return nil, err
		}
		cfgs[i] = c
	}
	for i := range cfgs {
		seeds := make([]string, 0, len(cfgs)-1)
		for j, o := range cfgs {
			if j != i {
				seeds = append(seeds, fmt.Sprintf("%s:%s:%s:%s", o.DynListen, o.Rack, o.Datacenter, o.Tokens))
			}
		}
		cfgs[i].DynSeeds = seeds
	}
	return cfgs, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// ClusterNode is one running member of a cluster started by StartCluster.
type ClusterNode struct {
	Config NodeConfig // the node's configuration, listen addresses filled in
	Store  *Proc      // its own redis-server, or memcached when DataStore is 1
	Node   *Proc      // the dynomite process
}

// String names the node by its place, for messages.
func (n *ClusterNode) String() string {
	return fmt.Sprintf("node %s/%s token %s (client %s, peer %s)", n.Config.Datacenter, n.Config.Rack, n.Config.Tokens, n.Config.Listen, n.Config.DynListen)
}

// ClusterOptions are the command-line arguments StartCluster adds.
type ClusterOptions struct {
	Args          []string // extra dynomite arguments, e.g. "-v", "6"
	RedisArgs     []string // extra redis-server arguments
	MemcachedArgs []string // extra memcached arguments, e.g. "-I", "2m"
}

// StartCluster starts, for every configuration (as returned by ClusterOf or
// Cluster), its own datastore (redis-server, or memcached when DataStore is
// 1) and then a dynomite node in front of it. Every process is stopped in
// Cleanup. It returns once every node answers on its client port; the nodes
// may still be connecting to each other.
//
// A listen port picked in advance may be taken by another process before
// its node binds it. When a node fails to start, StartCluster stops the
// nodes already started, gives every node new free ports (dyn_seeds
// follow) and tries again, up to three times in all.
func StartCluster(tb TB, cfgs []NodeConfig, opts ClusterOptions) []*ClusterNode {
	tb.Helper()
	nodes := make([]*ClusterNode, len(cfgs))
	for i, c := range cfgs {
		var store *Proc
		if c.DataStore == 1 {
			store = MemcachedWith(tb, MemcachedOptions{Args: opts.MemcachedArgs})
		} else {
			store = RedisWith(tb, RedisOptions{Args: opts.RedisArgs})
		}
		c.Servers = []string{ServerEntry(store)}
		nodes[i] = &ClusterNode{Config: c, Store: store}
	}
	bin := BuildDynomite(tb)
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			tb.Logf("enginetest: %v; starting the cluster again on new ports", err)
			if err = renumber(nodes); err != nil {
				break
			}
		}
		if err = startNodes(tb, bin, nodes, opts.Args); err == nil {
			return nodes
		}
	}
	tb.Fatalf("%v", err)
	return nil
}

// startNodes starts every node; on a failure it stops those it started.
func startNodes(tb TB, bin string, nodes []*ClusterNode, args []string) error {
	for i, n := range nodes {
		p, err := startDynomite(tb.TempDir(), bin, n.Config.YAML(), args)
		if err != nil {
			for _, m := range nodes[:i] {
				m.Node.Close()
				m.Node = nil
			}
			return fmt.Errorf("enginetest: start %s: %w", n, err)
		}
		closeOnCleanup(tb, p)
		n.Node = p
	}
	return nil
}

// renumber gives every node new free listen ports and rewrites dyn_seeds.
func renumber(nodes []*ClusterNode) error {
	for _, n := range nodes {
		n.Config.Listen, n.Config.DynListen, n.Config.StatsListen = "", "", ""
		if err := n.Config.FillPorts(); err != nil {
			return err
		}
	}
	for _, n := range nodes {
		seeds := make([]string, 0, len(nodes)-1)
		for _, o := range nodes {
			if o != n {
				seeds = append(seeds, fmt.Sprintf("%s:%s:%s:%s", o.Config.DynListen, o.Config.Rack, o.Config.Datacenter, o.Config.Tokens))
			}
		}
		n.Config.DynSeeds = seeds
	}
	return nil
}
