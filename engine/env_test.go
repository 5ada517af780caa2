package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/engine/admin"
)

// envNames are the variables C Dynomite names a node by.
var envNames = []string{"EC2_PUBLIC_IPV4", "PUBLIC_IPV4", "EC2_PUBLIC_HOSTNAME", "PUBLIC_HOSTNAME"}

// localOf returns the local node as /cluster_describe reports it, for a
// node built with getenv as Options.Getenv.
func localOf(t *testing.T, getenv func(string) string) admin.Peer {
	t.Helper()
	cfg := testConfig("127.0.0.1:1")
	cfg.Pool.DynListen = tcpAddr(7001)
	n, err := New(Options{Config: cfg, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	for _, dc := range n.Topology().DCs {
		for _, r := range dc.Racks {
			for _, p := range r.Servers {
				if p.Local {
					return p
				}
			}
		}
	}
	t.Fatalf("no local node in %+v", n.Topology())
	return admin.Peer{}
}

// A node built without Options.Getenv does not see the process's
// environment: its name is the dyn_listen host and its host the machine's
// host name, whatever the variables say.
func TestEnvNotReadWithoutGetenv(t *testing.T) {
	want := localOf(t, nil)
	for _, k := range envNames {
		t.Setenv(k, "from-process-"+k)
	}
	got := localOf(t, nil)
	if got.Name != "127.0.0.1" || got != want {
		t.Fatalf("unexpected local node with the variables set and no Getenv; got %+v; want %+v", got, want)
	}
}

// Options.Getenv names the node: the EC2 variable first, then the other,
// then the configuration. The process's environment is not consulted.
func TestEnvFromGetenv(t *testing.T) {
	for _, k := range envNames {
		t.Setenv(k, "from-process-"+k)
	}
	f := func(env map[string]string, wantName, wantHost string) {
		t.Helper()
		got := localOf(t, func(k string) string { return env[k] })
		if got.Name != wantName || (wantHost != "" && got.Host != wantHost) {
			t.Fatalf("unexpected local node for %v; got name %q host %q; want %q and %q", env, got.Name, got.Host, wantName, wantHost)
		}
		if strings.HasPrefix(got.Host, "from-process-") {
			t.Fatalf("host %q comes from the process's environment", got.Host)
		}
	}
	f(map[string]string{
		"EC2_PUBLIC_IPV4": "203.0.113.1", "PUBLIC_IPV4": "203.0.113.2",
		"EC2_PUBLIC_HOSTNAME": "ec2.example", "PUBLIC_HOSTNAME": "pub.example",
	}, "203.0.113.1", "ec2.example")
	f(map[string]string{"PUBLIC_IPV4": "203.0.113.2", "PUBLIC_HOSTNAME": "pub.example"}, "203.0.113.2", "pub.example")
	f(map[string]string{"EC2_PUBLIC_IPV4": "", "PUBLIC_HOSTNAME": "pub.example"}, "127.0.0.1", "pub.example")
	f(map[string]string{}, "127.0.0.1", "")
}

// The engine's packages read no environment variable; the dynomite command
// hands them what they need (Options). enginetest, a test helper, is the
// exception.
func TestEngineReadsNoEnvironment(t *testing.T) {
	banned := map[string]bool{"Getenv": true, "LookupEnv": true, "Environ": true, "ExpandEnv": true}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "enginetest" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "os" && banned[sel.Sel.Name] {
				t.Errorf("%s: os.%s; the engine takes its environment from Options", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// With env: network, /cluster_describe shows the broadcast address:
// PUBLIC_HOSTNAME before EC2_PUBLIC_HOSTNAME, and the dyn_listen host
// when neither is set.
func TestEnvNetworkBroadcast(t *testing.T) {
	f := func(env map[string]string, wantHost string) {
		t.Helper()
		cfg := testConfig("127.0.0.1:1")
		cfg.Pool.DynListen = tcpAddr(7001)
		cfg.Pool.Env = "network"
		n, err := New(Options{Config: cfg, Getenv: func(k string) string { return env[k] }})
		if err != nil {
			t.Fatal(err)
		}
		if got := n.localPeer().Host; got != wantHost {
			t.Fatalf("unexpected host for %v; got %q; want %q", env, got, wantHost)
		}
	}
	f(map[string]string{"EC2_PUBLIC_HOSTNAME": "ec2.example", "PUBLIC_HOSTNAME": "pub.example"}, "pub.example")
	f(map[string]string{"EC2_PUBLIC_HOSTNAME": "ec2.example"}, "ec2.example")
	f(map[string]string{}, "127.0.0.1")
}
