package matrix

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dynomite-go/dynomite/bench"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// The peers: the programs users run today in place of the node, each started
// as the twin of the node target it replaces and run back to back with it in
// every rep (runOrder), as the -baseline build is.
//
//	prefix  program                         twin of
//	base    -baseline PATH (our older build)  every node target
//	c       C Dynomite (-dynomite-c PATH)     every node target: the same YAML
//	                                          (Dynomite's format), racks and
//	                                          consistency, started `PATH -c FILE`
//	                                          in the foreground (no -d)
//	twem    twemproxy (nutcracker)            dyn-1 and dyn-1-mc: one pool, one
//	                                          server, started `nutcracker -c FILE
//	                                          -s STATSPORT -a 127.0.0.1`
//
// The table gives, on every node row, ops/s of the node over each peer's in
// the same rep (median over reps): "vs base", "vs C", "vs twem".

// peer describes one kind of twin.
type peer struct {
	prefix string // target names: prefix + the node's name after "dyn"
	column string // the table's column of node / peer
}

// peers are the twins, in the order of their table columns.
var peers = []peer{
	{prefix: "base", column: "vs base"},
	{prefix: "c", column: "vs C"},
	{prefix: "twem", column: "vs twem"},
}

// peerName returns the name of node's twin of the given prefix ("dyn-1",
// "c" -> "c-1"), or "" for a target that is not a node.
func peerName(node, prefix string) string {
	rest, ok := strings.CutPrefix(node, "dyn-")
	if !ok || rest == "" {
		return ""
	}
	return prefix + "-" + rest
}

// twemproxyTarget is the name of twemproxy in front of Redis (the twin of
// dyn-1); twemproxyMCTarget in front of memcached (of dyn-1-mc).
const (
	twemproxyTarget   = "twem-1"
	twemproxyMCTarget = "twem-1-mc"
)

// twemproxyConfig renders nutcracker's YAML: one pool listening on listen,
// in front of the one datastore server ("host:port"), speaking Redis or
// memcached. Keys hash with fnv1a_64 onto a ketama ring as in twemproxy's
// own examples; hosts are never ejected, like the node's datastore.
func twemproxyConfig(listen, server string, redis bool) string {
	var b strings.Builder
	b.WriteString("bench:\n")
	fmt.Fprintf(&b, "  listen: %s\n", listen)
	b.WriteString("  hash: fnv1a_64\n")
	b.WriteString("  distribution: ketama\n")
	fmt.Fprintf(&b, "  redis: %t\n", redis)
	b.WriteString("  auto_eject_hosts: false\n")
	b.WriteString("  server_connections: 1\n")
	b.WriteString("  servers:\n")
	fmt.Fprintf(&b, "   - %s:1\n", server)
	return b.String()
}

// twemproxyArgs returns nutcracker's arguments: the configuration file and
// the stats port, on loopback (its default is 0.0.0.0:22222, shared by every
// instance).
func twemproxyArgs(conf string, statsPort int) []string {
	return []string{"-c", conf, "-s", strconv.Itoa(statsPort), "-a", "127.0.0.1"}
}

// findTwemproxy returns nutcracker's path: the given one, else nutcracker on
// PATH (Debian's package nutcracker; `make bench` installs it when missing).
func findTwemproxy(path string) (string, error) {
	if path == "" {
		path = "nutcracker"
	}
	p, err := exec.LookPath(path)
	if err != nil && path == "nutcracker" {
		// Debian installs it in /usr/sbin, which a user's PATH may not have.
		p, err = exec.LookPath("/usr/sbin/nutcracker")
	}
	if err != nil {
		return "", fmt.Errorf("cannot find twemproxy (Debian package nutcracker): %w", err)
	}
	return p, nil
}

// startTwemproxyTarget starts a redis-server (or memcached) and twemproxy
// (the binary bin) in front of it. Its configuration goes to a file in tmp.
func startTwemproxyTarget(name, bin, redisPath, tmp string, memcache bool) (*target, error) {
	t := &target{name: name}
	var store *enginetest.Proc
	var err error
	if memcache {
		t.protocol = bench.ProtoMemcacheText
		store, err = enginetest.StartMemcached(enginetest.MemcachedOptions{})
	} else {
		store, err = enginetest.StartRedis(redisOptions(redisPath))
	}
	if err != nil {
		return nil, fmt.Errorf("cannot start the datastore: %w", err)
	}
	t.all, t.stores = []*enginetest.Proc{store}, []*enginetest.Proc{store}
	var argErr error
	p, err := enginetest.StartProgram(name, bin, func(addr string) []string {
		argErr = nil
		conf := filepath.Join(tmp, name+"-"+strings.ReplaceAll(addr, ":", "-")+".yml")
		if werr := os.WriteFile(conf, []byte(twemproxyConfig(addr, store.Addr, !memcache)), 0o644); werr != nil {
			argErr = fmt.Errorf("cannot write the twemproxy configuration: %w", werr)
		}
		stats, perr := enginetest.FreePort()
		if perr != nil {
			argErr = perr
		}
		return twemproxyArgs(conf, stats)
	})
	if err == nil {
		err = argErr
		if err != nil {
			p.Close()
		}
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("cannot start twemproxy: %w", err), t.stop())
	}
	t.all = append(t.all, p)
	t.measured = []*enginetest.Proc{p}
	t.port = p.Port
	return t, nil
}

// peerSpecs returns the twins of the node spec s that o asks for: the
// -baseline build, C Dynomite and, for a single node, twemproxy.
func peerSpecs(o options, s spec) []spec {
	var out []spec
	twin := func(prefix, bin, desc string) spec {
		p := s
		p.name, p.bin, p.twin, p.desc = peerName(s.name, prefix), bin, s.name, desc
		return p
	}
	rest := strings.TrimPrefix(s.desc, "dynomite-go")
	if o.baseline != "" {
		out = append(out, twin("base", o.baseline, "-baseline "+filepath.Base(o.baseline)+rest))
	}
	if o.dynomiteC != "" {
		out = append(out, twin("c", o.dynomiteC, "C Dynomite"+rest))
	}
	if o.twemBin != "" && s.racks == 1 {
		p := twin("twem", o.twemBin, "twemproxy"+strings.TrimPrefix(rest, ", 1 node"))
		p.kind = twemRedis
		if s.kind == memcachedNode {
			p.kind = twemMemcached
		}
		out = append(out, p)
	}
	return out
}

// clusterReady waits until a SET through every node of a cluster target is
// acknowledged, within limit in all: a node accepts clients before its peer
// links are up, and a quorum write fails until they are.
func clusterReady(t *target, limit time.Duration) error {
	if len(t.measured) < 2 || t.protocol != "" {
		return nil
	}
	deadline := time.Now().Add(limit)
	for i, n := range t.measured {
		for {
			err := setOnce(n.Addr)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("cannot write through node %d of %s within %v: %w (%s)", i+1, t.name, limit, err, nodeState(n))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

// setOnce sends one SET to addr and checks the reply is not an error.
func setOnce(addr string) error {
	c, err := enginetest.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.Timeout = time.Second
	r, err := c.Do("SET", "matrix:ready", "1")
	if err != nil {
		return err
	}
	if r.IsError() {
		return fmt.Errorf("%s", r.Str)
	}
	return nil
}

// nodeState returns what the node's /state/get_state answers, for messages.
func nodeState(n *enginetest.Proc) string {
	r, err := adminClient.Get("http://" + n.StatsAddr + "/state/get_state")
	if err != nil {
		return "state unknown"
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(r.Body, 256))
	return strings.TrimSpace(string(b))
}
