package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// cluster is what dynomite-run started: one datastore and one node per rack,
// and the temporary directory holding the datastores' files.
type cluster struct {
	out    io.Writer
	dir    string
	stores []*enginetest.Proc
	nodes  []*enginetest.Proc
	cfgs   []enginetest.NodeConfig
	store  string
}

var errInterrupted = errors.New("interrupted during startup")

// start launches the datastores, then the nodes. It gives up when a signal
// arrives in between.
func (c *cluster) start(o options, bin string, sigs <-chan os.Signal) error {
	dir, err := os.MkdirTemp("", "dynomite-run")
	if err != nil {
		return err
	}
	c.dir, c.store = dir, o.dataStore
	servers := make([]string, o.racks)
	for i := range servers {
		if interrupted(sigs) {
			return errInterrupted
		}
		p, err := startStore(o.dataStore, fmt.Sprintf("%s/%s%d", dir, o.dataStore, i+1))
		if err != nil {
			return err
		}
		c.stores = append(c.stores, p)
		servers[i] = enginetest.ServerEntry(p)
	}
	c.cfgs, err = plan(o.racks, o.dataStore, servers)
	if err != nil {
		return err
	}
	for _, cfg := range c.cfgs {
		if interrupted(sigs) {
			return errInterrupted
		}
		p, err := enginetest.StartDynomite(bin, cfg.YAML(), "-v", strconv.Itoa(o.verbosity))
		if err != nil {
			return err
		}
		c.nodes = append(c.nodes, p)
	}
	return nil
}

func startStore(kind, dir string) (*enginetest.Proc, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if kind == "memcached" {
		return enginetest.StartMemcached(enginetest.MemcachedOptions{Dir: dir})
	}
	return enginetest.StartRedis(enginetest.RedisOptions{Dir: dir})
}

// plan returns the node configurations: one datacenter dc1, racks
// rack1..rackN with one node each (token 0: each rack holds all the data),
// every node listing the others in dyn_seeds, servers[i] behind node i, and
// free loopback ports for listen, dyn_listen and stats_listen.
func plan(racks int, store string, servers []string) ([]enginetest.NodeConfig, error) {
	if len(servers) != racks {
		return nil, fmt.Errorf("plan: %d servers for %d racks", len(servers), racks)
	}
	base := enginetest.NodeConfig{Datacenter: "dc1"}
	if store == "memcached" {
		base.DataStore = 1
	}
	cfgs, err := enginetest.Cluster(racks, 1, base)
	if err != nil {
		return nil, err
	}
	for i := range cfgs {
		cfgs[i].Servers = []string{servers[i]}
	}
	return cfgs, nil
}

func interrupted(sigs <-chan os.Signal) bool {
	select {
	case <-sigs:
		return true
	default:
		return false
	}
}

// describe prints where each node listens.
func (c *cluster) describe() {
	for i, n := range c.nodes {
		cfg := c.cfgs[i]
		client := fmt.Sprintf("redis-cli -h 127.0.0.1 -p %d", n.Port)
		if c.store == "memcached" {
			client = fmt.Sprintf("memcached text protocol: nc 127.0.0.1 %d", n.Port)
		}
		fmt.Fprintf(c.out, "dynomite-go node listening on %s (%s)\n", n.Addr, client)
		fmt.Fprintf(c.out, "  %s %s, stats http://%s/info, peers %s, pid %d\n", cfg.Datacenter, cfg.Rack, n.StatsAddr, cfg.DynListen, n.PID())
		fmt.Fprintf(c.out, "  %s %s, pid %d\n", c.stores[i].Name, c.stores[i].Addr, c.stores[i].PID())
		fmt.Fprintf(c.out, "  config %s, log %s\n", n.ConfigFile, n.LogFile())
	}
	fmt.Fprintf(c.out, "datastore files in %s\n", c.dir)
}

// wait blocks until a signal arrives or a process ends on its own.
func (c *cluster) wait(sigs <-chan os.Signal, stderr io.Writer) int {
	died := make(chan *enginetest.Proc, len(c.nodes)+len(c.stores))
	for _, p := range append(append([]*enginetest.Proc(nil), c.nodes...), c.stores...) {
		go func(p *enginetest.Proc) {
			<-p.Exited()
			died <- p
		}(p)
	}
	select {
	case sig := <-sigs:
		fmt.Fprintf(c.out, "\n%v: stopping\n", sig)
		return 0
	case p := <-died:
		fmt.Fprintf(stderr, "dynomite-run: %s exited on its own; its output:\n%s\n", p.Name, p.Log())
		return 1
	}
}

// close stops the nodes, then the datastores, each by its PID, and removes
// the temporary directory.
func (c *cluster) close(stderr io.Writer) {
	for _, p := range append(append([]*enginetest.Proc(nil), c.nodes...), c.stores...) {
		if err := p.Close(); err != nil {
			fmt.Fprintf(stderr, "dynomite-run: %v\n", err)
		}
	}
	if c.dir != "" {
		os.RemoveAll(c.dir)
	}
}
