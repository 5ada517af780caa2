package conf_test

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
)

var update = flag.Bool("update", false, "rewrite testdata/errors/*.golden")

// specDir holds the sample files of the specification when the shared tree
// is checked out beside the repository; testdata/spec holds copies.
const specDir = "../../shared/spec/conf"

func TestSpecFilesAreValid(t *testing.T) {
	files, _ := filepath.Glob("testdata/spec/*.yml")
	shared, _ := filepath.Glob(filepath.Join(specDir, "*.yml"))
	files = append(files, shared...)
	if len(files) < 14 {
		t.Fatalf("unexpected number of sample files; got %d; want at least 14", len(files))
	}
	for _, f := range files {
		cfg, _, err := conf.Load(f)
		if err != nil {
			t.Errorf("unexpected error for %s: %v", f, err)
			continue
		}
		if cfg.PoolName != "dyn_o_mite" || len(cfg.Pool.Servers) != 1 || cfg.Pool.Listen.IsZero() {
			t.Errorf("unexpected config for %s: %+v", f, cfg)
		}
	}
}

func TestDefaults(t *testing.T) {
	cfg, warns, err := conf.ParseOffline("d.yml", []byte("p:\n  listen: 127.0.0.1:8102\n  servers:\n  - 127.0.0.1:22122:1\n"))
	if err != nil {
		t.Fatal(err)
	}
	q := cfg.Pool
	got := []any{q.StatsListen.String(), q.DataStore, q.Datacenter, q.Rack, q.DynSeedProvider, q.EnableGossip,
		q.GosInterval, q.Hash, q.Timeout, q.Backlog, q.Preconnect, q.AutoEjectHosts, q.ServerRetryTimeout,
		q.ServerFailureLimit, q.DatastoreConnections, q.LocalPeerConnections, q.RemotePeerConnections,
		q.DynConnections, q.DynReadTimeout, q.DynWriteTimeout, q.ReadConsistency, q.WriteConsistency,
		q.ReadRepairsEnabled, q.SecureServerOption, q.PemKeyFile, q.ReconKeyFile, q.ReconIVFile, q.Env,
		q.ConnMsgRate, q.StatsInterval, q.MbufSize, q.MaxMsgs, q.ClientConnections, q.HashTag, len(q.Tokens)}
	want := []any{"0.0.0.0:22222", 0, "localdc", "localrack", "simple_provider", false,
		30 * time.Second, "murmur", 5 * time.Second, 512, true, true, 10 * time.Second,
		3, 1, 1, 1,
		100, 10 * time.Second, 10 * time.Second, "DC_ONE", "DC_ONE",
		false, "none", "conf/dynomite.pem", "conf/recon_key.pem", "conf/recon_iv.pem", "aws",
		50000, 30 * time.Second, 16384, 200000, 0, "", 0}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("unexpected defaults;\ngot  %v\nwant %v", got, want)
	}
	if len(warns) != 2 || warns[0].Key != "tokens" || warns[1].Key != "stats_listen" {
		t.Fatalf("unexpected warnings; got %v; want tokens and stats_listen", warns)
	}
	if cfg.IsSet("mbuf_size") || !cfg.IsSet("listen") || cfg.Line("servers") != 3 {
		t.Fatalf("unexpected IsSet/Line; got %v %v %d", cfg.IsSet("mbuf_size"), cfg.IsSet("listen"), cfg.Line("servers"))
	}
}

func TestValues(t *testing.T) {
	src := `pool_any_name:
  listen: /tmp/dyn.sock
  dyn_listen: '[::1]:8101'
  stats_listen: localhost:22223
  servers:
  - /tmp/redis.sock:7 backend
  tokens: 0, 4294967295,12
  dyn_seeds:
  - 127.0.0.2:8101:rack2:dc1:1,2 peer2
  - ::1:8101:rack3:dc2:3
  read_consistency: dc_safe_quorum
  write_consistency: Dc_Each_Safe_Quorum
  hash: fnv1a_64
  hash_tag: "{}"
  preconnect: false
  "timeout": "250"
  datastore_connections: 255
  mbuf_size: 512
  max_msgs: 1000000
  dyn_seed_provider: florida_provider_v2
  server_connections: 3
`
	cfg, warns, err := conf.ParseOffline("v.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	q := cfg.Pool
	if cfg.PoolName != "pool_any_name" || q.Listen.Network != "unix" || q.Listen.Path != "/tmp/dyn.sock" {
		t.Fatalf("unexpected pool/listen; got %q %+v", cfg.PoolName, q.Listen)
	}
	if q.DynListen.Host != "::1" || q.DynListen.Port != 8101 || q.DynListen.String() != "[::1]:8101" {
		t.Fatalf("unexpected dyn_listen; got %+v", q.DynListen)
	}
	if s := q.Servers[0]; s.Addr.Path != "/tmp/redis.sock" || s.Weight != 7 || s.Name != "backend" {
		t.Fatalf("unexpected server; got %+v", s)
	}
	if !reflect.DeepEqual(q.Tokens, []uint32{0, 4294967295, 12}) {
		t.Fatalf("unexpected tokens; got %v", q.Tokens)
	}
	s0, s1 := q.DynSeeds[0], q.DynSeeds[1]
	if s0.Addr.String() != "127.0.0.2:8101" || s0.Rack != "rack2" || s0.DC != "dc1" || !reflect.DeepEqual(s0.Tokens, []uint32{1, 2}) || s0.Name != "peer2" {
		t.Fatalf("unexpected seed 0; got %+v", s0)
	}
	if s1.Addr.Host != "::1" || s1.Rack != "rack3" || s1.DC != "dc2" {
		t.Fatalf("unexpected seed 1; got %+v", s1)
	}
	if q.ReadConsistency != "DC_SAFE_QUORUM" || q.WriteConsistency != "DC_EACH_SAFE_QUORUM" {
		t.Fatalf("unexpected consistency; got %s %s", q.ReadConsistency, q.WriteConsistency)
	}
	if q.Hash != "fnv1a_64" || q.HashTag != "{}" || q.Preconnect || q.Timeout != 250*time.Millisecond ||
		q.DatastoreConnections != 255 || q.MbufSize != 512 || q.MaxMsgs != 1000000 || q.DynSeedProvider != "florida_provider" {
		t.Fatalf("unexpected values; got %+v", q)
	}
	var keys []string
	for _, w := range warns {
		keys = append(keys, w.Key)
	}
	if strings.Join(keys, " ") != "dyn_seed_provider server_connections" {
		t.Fatalf("unexpected warnings; got %v", warns)
	}
}

func TestServerName(t *testing.T) {
	f := func(item, want string) {
		t.Helper()
		cfg, _, err := conf.ParseOffline("n.yml", []byte("p:\n  listen: 127.0.0.1:1\n  servers:\n  - "+item+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Pool.Servers[0].Name; got != want {
			t.Fatalf("unexpected name for %q; got %q; want %q", item, got, want)
		}
	}
	f("127.0.0.1:22122:1", "127.0.0.1:22122")
	f("127.0.0.1:11211:1", "127.0.0.1")
	f("127.0.0.1:11211:1 mc", "mc")
	f("/run/redis.sock:1", "/run/redis.sock")
}

func TestErrorClasses(t *testing.T) {
	f := func(file string, want ...error) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("testdata/errors", file))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = conf.ParseOffline(file, data)
		var list conf.ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("unexpected error type for %s; got %T %v; want conf.ErrorList", file, err, err)
		}
		for _, w := range want {
			if !errors.Is(err, w) {
				t.Errorf("%s: errors.Is(%v) is false; got %v", file, w, err)
			}
		}
		for _, e := range list {
			if e.File != file || e.Err == nil || !strings.HasPrefix(e.Err.Error(), "conf: ") {
				t.Errorf("%s: unexpected element %+v", file, e)
			}
		}
	}
	f("unknown_key.yml", conf.ErrUnknownKey, conf.ErrMissingKey)
	f("duplicate.yml", conf.ErrDuplicateKey)
	f("values.yml", conf.ErrNotNumber, conf.ErrNotBool, conf.ErrInvalidValue, conf.ErrOutOfRange)
	f("missing.yml", conf.ErrMissingKey, conf.ErrNoDatastore)
	f("bad_items.yml", conf.ErrBadAddress, conf.ErrInvalidValue, conf.ErrUnresolvable)
	f("flow.yml", conf.ErrStructure)
	f("documents.yml", conf.ErrStructure)
	f("pools.yml", conf.ErrManyPools)
	f("syntax.yml", conf.ErrSyntax)
	f("empty.yml", conf.ErrStructure)
	f("empty_values.yml", conf.ErrEmptyValue)
	if errors.Is(conf.ErrorList{}, conf.ErrSyntax) {
		t.Fatal("an empty list must not match a class")
	}
}

// TestAllErrorsAtOnce checks that one file with many problems reports each.
func TestAllErrorsAtOnce(t *testing.T) {
	data, _ := os.ReadFile("testdata/errors/values.yml")
	_, _, err := conf.ParseOffline("values.yml", data)
	var list conf.ErrorList
	if !errors.As(err, &list) || len(list) != 11 {
		t.Fatalf("unexpected number of errors; got %d: %v; want 11", len(list), err)
	}
	for i := 1; i < len(list); i++ {
		if list[i].Line < list[i-1].Line {
			t.Fatalf("errors out of line order: %v", err)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, _, err := conf.Load(filepath.Join(t.TempDir(), "nope.yml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("unexpected error; got %v; want fs.ErrNotExist", err)
	}
}

func TestLoadResolves(t *testing.T) {
	cfg, _, err := conf.Parse("r.yml", []byte("p:\n  listen: localhost:8102\n  servers:\n  - 127.0.0.1:22122:1\n"))
	if err != nil || cfg.Pool.Listen.Host != "localhost" {
		t.Fatalf("unexpected result; got %v %v", cfg, err)
	}
	_, _, err = conf.Parse("r.yml", []byte("p:\n  listen: 127.0.0.1:8102\n  servers:\n  - host.invalid:22122:1\n"))
	if !errors.Is(err, conf.ErrUnresolvable) {
		t.Fatalf("unexpected error; got %v; want ErrUnresolvable", err)
	}
}

// TestGolden compares the messages for each file of testdata/errors with its
// .golden file; go test -run TestGolden -update rewrites them.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/errors/*.yml")
	if len(files) == 0 {
		t.Fatal("no files in testdata/errors")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		_, warns, err := conf.ParseOffline(name, data)
		if err == nil {
			t.Errorf("%s: unexpected success", name)
			continue
		}
		var b strings.Builder
		b.WriteString(err.Error() + "\n")
		for _, w := range warns {
			b.WriteString("warning: " + w.String() + "\n")
		}
		golden := strings.TrimSuffix(f, ".yml") + ".golden"
		if *update {
			if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -run TestGolden -update)", err)
		}
		if b.String() != string(want) {
			t.Errorf("unexpected messages for %s;\ngot:\n%s\nwant:\n%s", name, b.String(), want)
		}
	}
}

// TestEveryKey sets every key of docs/compat.md §1.2 once and checks where each value
// lands, and that exactly the dead keys give warnings.
func TestEveryKey(t *testing.T) {
	src := `dyn_o_mite:
  listen: 127.0.0.1:8102
  dyn_listen: 127.0.0.1:8101
  stats_listen: 127.0.0.1:22222
  servers:
  - 127.0.0.1:22122:1
  data_store: 1
  datacenter: dc9
  rack: rack9
  tokens: '7'
  dyn_seeds:
  - 127.0.0.2:8101:rack2:dc9:8
  dyn_seed_provider: dns_provider
  enable_gossip: true
  gos_interval: 1000
  hash: crc32a
  hash_tag: "{}"
  distribution: vnode
  server_connections: 1
  timeout: 2000
  backlog: 1024
  client_connections: 10
  preconnect: false
  auto_eject_hosts: false
  server_retry_timeout: 3000
  server_failure_limit: 2
  datastore_connections: 4
  local_peer_connections: 5
  remote_peer_connections: 6
  dyn_connections: 7
  dyn_port: 8
  dyn_read_timeout: 9
  dyn_write_timeout: 10
  read_consistency: DC_QUORUM
  write_consistency: dc_one
  read_repairs_enabled: true
  secure_server_option: all
  pem_key_file: k.pem
  recon_key_file: rk.pem
  recon_iv_file: ri.pem
  env: network
  conn_msg_rate: 11
  stats_interval: 12
  mbuf_size: 1024
  max_msgs: 100000
`
	cfg, warns, err := conf.ParseOffline("all.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	q := cfg.Pool
	ms := time.Millisecond
	got := []any{q.DataStore, q.Datacenter, q.Rack, q.Tokens[0], q.DynSeeds[0].Tokens[0], q.DynSeedProvider, q.EnableGossip,
		q.GosInterval, q.Hash, q.HashTag, q.Timeout, q.Backlog, q.ClientConnections, q.Preconnect, q.AutoEjectHosts,
		q.ServerRetryTimeout, q.ServerFailureLimit, q.DatastoreConnections, q.LocalPeerConnections,
		q.RemotePeerConnections, q.DynConnections, q.DynPort, q.DynReadTimeout, q.DynWriteTimeout,
		q.ReadConsistency, q.WriteConsistency, q.ReadRepairsEnabled, q.SecureServerOption, q.PemKeyFile,
		q.ReconKeyFile, q.ReconIVFile, q.Env, q.ConnMsgRate, q.StatsInterval, q.MbufSize, q.MaxMsgs}
	want := []any{1, "dc9", "rack9", uint32(7), uint32(8), "dns_provider", true,
		1000 * ms, "crc32a", "{}", 2000 * ms, 1024, 10, false, false,
		3000 * ms, 2, 4, 5,
		6, 7, 8, 9 * ms, 10 * ms,
		"DC_QUORUM", "DC_ONE", true, "all", "k.pem",
		"rk.pem", "ri.pem", "network", 11, 12 * ms, 1024, 100000}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("unexpected values;\ngot  %v\nwant %v", got, want)
	}
	var dead []string
	for _, w := range warns {
		dead = append(dead, w.Key)
	}
	wantDead := "distribution server_connections client_connections dyn_connections dyn_port dyn_read_timeout dyn_write_timeout recon_key_file recon_iv_file"
	if strings.Join(dead, " ") != wantDead {
		t.Fatalf("unexpected warnings;\ngot  %v\nwant %s", dead, wantDead)
	}
}

func TestDocumentMarker(t *testing.T) {
	_, _, err := conf.ParseOffline("m.yml", []byte("---\np:\n  listen: 127.0.0.1:1\n  servers:\n  - 127.0.0.1:2:1\n"))
	if err != nil {
		t.Fatalf("unexpected error for a leading ---: %v", err)
	}
	_, _, err = conf.ParseOffline("m.yml", []byte("# only a comment\n"))
	if !errors.Is(err, conf.ErrStructure) {
		t.Fatalf("unexpected error for a comment-only file; got %v; want ErrStructure", err)
	}
}
