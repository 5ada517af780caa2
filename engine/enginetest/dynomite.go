package enginetest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BinaryEnv names an environment variable that, when set, gives the dynomite
// binary to test instead of building ./cmd/dynomite.
const BinaryEnv = "DYNOMITE_BIN"

var build struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// Build compiles the module's ./cmd/dynomite once per process (later calls
// return the same result) and returns the binary's path. When the environment
// variable DYNOMITE_BIN is set, its value is returned instead. The module is
// found from the current directory, so this works from any package's tests.
func Build() (string, error) {
	build.once.Do(func() {
		if p := os.Getenv(BinaryEnv); p != "" {
			build.path = p
			return
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = "/usr/local/go/bin/go" // where the Go tarball installs it
		}
		out, err := exec.Command(goBin, "env", "GOMOD").Output()
		gomod := strings.TrimSpace(string(out))
		if err != nil || gomod == "" || gomod == os.DevNull {
			build.err = fmt.Errorf("enginetest: cannot find the module root from the current directory (go env GOMOD: %q, %v)", gomod, err)
			return
		}
		dir, err := os.MkdirTemp("", "dynomite-build")
		if err != nil {
			build.err = fmt.Errorf("enginetest: %w", err)
			return
		}
		build.dir = dir
		bin := filepath.Join(dir, "dynomite")
		cmd := exec.Command(goBin, "build", "-buildvcs=false", "-o", bin, "./cmd/dynomite")
		cmd.Dir = filepath.Dir(gomod)
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("enginetest: go build ./cmd/dynomite: %v\n%s", err, out)
			return
		}
		build.path = bin
	})
	return build.path, build.err
}

// RemoveBuild deletes the binary made by Build, if any. Call it at the end
// of TestMain; Build must not be called afterwards.
func RemoveBuild() {
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
}

// NodeConfig describes one dynomite node's YAML. Empty fields are omitted
// from the file, except the three listen addresses, which FillPorts sets to
// free loopback ports (stats_listen must never fall back to the shared
// default 0.0.0.0:22222).
type NodeConfig struct {
	Pool        string   // top-level key; default "dyn_o_mite"
	Listen      string   // client address
	DynListen   string   // peer address
	StatsListen string   // stats HTTP address
	Servers     []string // "host:port:weight [name]" or "/path:weight"
	DataStore   int      // 0 Redis, 1 Memcached
	Datacenter  string
	Rack        string
	Tokens      string   // decimal uint32
	DynSeeds    []string // "host:port:rack:dc:tokens"
	// Timeout and ServerRetryTimeout are in milliseconds; 0 omits the key.
	Timeout            int
	ServerRetryTimeout int
	// Extra holds any other keys, written verbatim in key order.
	Extra map[string]string
}

// ServerEntry returns the `servers` entry for a datastore started by this
// package (its TCP address, or its Unix socket when it serves no TCP).
func ServerEntry(p *Proc) string {
	if p.Addr != "" {
		return p.Addr + ":1"
	}
	return p.Socket + ":1"
}

// SingleNode returns the configuration of one Redis node in front of the
// datastore p, with free ports.
func SingleNode(p *Proc) (NodeConfig, error) {
	c := NodeConfig{
		Servers:    []string{ServerEntry(p)},
		Datacenter: "dc1",
		Rack:       "rack1",
		Tokens:     "101134286",
	}
	if p.Name == "memcached" {
		c.DataStore = 1
	}
	return c, c.FillPorts()
}

// FillPorts sets each empty listen address to 127.0.0.1 and a free port.
func (c *NodeConfig) FillPorts() error {
	for _, a := range []*string{&c.Listen, &c.DynListen, &c.StatsListen} {
		if *a != "" {
			continue
		}
		s, err := freeAddr()
		if err != nil {
			return err
		}
		*a = s
	}
	return nil
}

// YAML renders the configuration.
func (c NodeConfig) YAML() string {
	var b strings.Builder
	pool := c.Pool
	if pool == "" {
		pool = "dyn_o_mite"
	}
	b.WriteString(pool + ":\n")
	kv := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "  %s: %s\n", k, v)
		}
	}
	list := func(k string, vs []string) {
		if len(vs) == 0 {
			return
		}
		fmt.Fprintf(&b, "  %s:\n", k)
		for _, v := range vs {
			fmt.Fprintf(&b, "  - %s\n", v)
		}
	}
	num := func(k string, v int) {
		if v != 0 {
			kv(k, strconv.Itoa(v))
		}
	}
	kv("datacenter", c.Datacenter)
	kv("rack", c.Rack)
	kv("listen", c.Listen)
	kv("dyn_listen", c.DynListen)
	kv("stats_listen", c.StatsListen)
	num("data_store", c.DataStore)
	list("servers", c.Servers)
	if c.Tokens != "" {
		kv("tokens", "'"+c.Tokens+"'")
	}
	list("dyn_seeds", c.DynSeeds)
	num("timeout", c.Timeout)
	num("server_retry_timeout", c.ServerRetryTimeout)
	keys := make([]string, 0, len(c.Extra))
	for k := range c.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kv(k, c.Extra[k])
	}
	return b.String()
}

// Cluster returns the configurations of racks × nodes dynomite nodes in one
// datacenter (base.Datacenter, default "dc1"): racks are named rack1..rackN,
// node i of a rack owns token i × 2^32/nodes, every node lists all the
// others in dyn_seeds, and every node gets free listen ports. Other fields
// come from base; the caller sets Servers per node. The result is ordered
// rack by rack.
func Cluster(racks, nodes int, base NodeConfig) ([]NodeConfig, error) {
	if racks < 1 || nodes < 1 {
		return nil, errors.New("enginetest: a cluster needs at least one rack and one node")
	}
	dc := base.Datacenter
	if dc == "" {
		dc = "dc1"
	}
	cfgs := make([]NodeConfig, 0, racks*nodes)
	for r := 0; r < racks; r++ {
		for n := 0; n < nodes; n++ {
			c := base
			c.Listen, c.DynListen, c.StatsListen = "", "", ""
			c.Servers = nil
			c.Datacenter = dc
			c.Rack = "rack" + strconv.Itoa(r+1)
			c.Tokens = strconv.FormatUint(uint64(n)*(1<<32)/uint64(nodes), 10)
			if err := c.FillPorts(); err != nil {
				return nil, err
			}
			cfgs = append(cfgs, c)
		}
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

// StartDynomite writes yaml to dynomite.yml in a new temporary directory,
// runs `binary -c dynomite.yml args...` there, and returns once the client
// address (the YAML's listen key) accepts connections.
func StartDynomite(binary, yaml string, args ...string) (*Proc, error) {
	return startDynomite("", binary, yaml, args)
}

// StartNode fills cfg's empty listen addresses with free ports and starts it
// with StartDynomite. When a port was taken meanwhile it retries with new
// ones.
func StartNode(binary string, cfg NodeConfig, args ...string) (*Proc, error) {
	return startNode("", binary, cfg, args)
}

func startNode(dir, binary string, cfg NodeConfig, args []string) (*Proc, error) {
	var err error
	for i := 0; i < 3; i++ {
		c := cfg
		if err = c.FillPorts(); err != nil {
			return nil, err
		}
		var p *Proc
		p, err = startDynomite(dir, binary, c.YAML(), args)
		if err == nil {
			return p, nil
		}
		if !strings.Contains(strings.ToLower(err.Error()), "address already in use") ||
			(cfg.Listen != "" && cfg.DynListen != "" && cfg.StatsListen != "") {
			break
		}
	}
	return nil, err
}

func startDynomite(dir, binary, yaml string, args []string) (*Proc, error) {
	listen := yamlValue(yaml, "listen")
	if listen == "" {
		return nil, errors.New("enginetest: the YAML has no listen key")
	}
	dir, remove, err := workDir(dir, "dynomite")
	if err != nil {
		return nil, err
	}
	p := &Proc{Name: "dynomite", Dir: dir, path: binary, remove: remove, ready: portReady}
	if strings.HasPrefix(listen, "/") {
		p.Socket = listen
	} else {
		p.Addr = listen
		if _, port, err := net.SplitHostPort(listen); err == nil {
			p.Port, _ = strconv.Atoi(port)
		}
	}
	p.StatsAddr = yamlValue(yaml, "stats_listen")
	p.ConfigFile = filepath.Join(dir, "dynomite.yml")
	if err := os.WriteFile(p.ConfigFile, []byte(yaml), 0o644); err != nil {
		p.Close()
		return nil, fmt.Errorf("enginetest: %w", err)
	}
	p.args = append([]string{"-c", p.ConfigFile}, args...)
	return p.startOrClose()
}

// yamlValue returns the value of the first "key:" line at pool depth.
func yamlValue(yaml, key string) string {
	for _, line := range strings.Split(yaml, "\n") {
		t := strings.TrimSpace(line)
		if !strings.HasPrefix(t, key) {
			continue
		}
		rest := strings.TrimSpace(t[len(key):])
		if !strings.HasPrefix(rest, ":") {
			continue
		}
		v := strings.TrimSpace(rest[1:])
		return strings.Trim(v, `'"`)
	}
	return ""
}

func portReady(p *Proc, deadline time.Time) error {
	network, addr := p.clientAddr()
	c, err := net.DialTimeout(network, addr, time.Until(deadline))
	if err != nil {
		return err
	}
	return c.Close()
}
