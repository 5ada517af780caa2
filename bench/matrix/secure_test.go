package matrix

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/engine/enginetest"
	"gopkg.in/yaml.v3"
)

// TestMakeCerts: the leaf loads as a key pair and verifies against the CA
// for 127.0.0.1, as server and as client.
func TestMakeCerts(t *testing.T) {
	f, err := makeCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		t.Fatalf("unexpected error loading the leaf: %v", err)
	}
	caPEM, err := os.ReadFile(f.CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("unexpected CA file without a certificate")
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "127.0.0.1", Roots: pool, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
			t.Fatalf("unexpected verify error for usage %v: %v", usage, err)
		}
	}
}

// TestTestPemKey: the embedded key is Dynomite's RSA test key.
func TestTestPemKey(t *testing.T) {
	b, _ := pem.Decode(testPemKey)
	if b == nil || !strings.Contains(b.Type, "RSA PRIVATE KEY") {
		t.Fatalf("unexpected pem key block %v", b)
	}
	if _, err := x509.ParsePKCS1PrivateKey(b.Bytes); err != nil {
		t.Fatalf("unexpected error parsing the pem key: %v", err)
	}
}

// TestSecureYAML: the secure targets' keys render into node YAML whose
// TLS blocks are nested mappings with the files.
func TestSecureYAML(t *testing.T) {
	ss := secureSetup{certs: certFiles{CA: "/d/ca.crt", Cert: "/d/n.crt", Key: "/d/n.key"}, pemKey: "/d/dynomite.pem"}
	specs := secureSpecs(ss, "/bin/dynomite", false)
	if len(specs) != 4 || specs[0].name != "dyn-3-quorum" || specs[0].extra != nil {
		t.Fatalf("unexpected specs without -cluster; got %+v", specs)
	}
	if got := secureSpecs(ss, "/bin/dynomite", true); len(got) != 3 {
		t.Fatalf("unexpected spec count with -cluster; got %d; want 3", len(got))
	}
	want := map[string]map[string]any{
		"enc-3-quorum":  {"secure_server_option": "all", "pem_key_file": "/d/dynomite.pem"},
		"ptls-3-quorum": {"peer_tls": map[string]any{"cert_file": "/d/n.crt", "key_file": "/d/n.key", "ca_file": "/d/ca.crt"}},
		"ctls-1":        {"client_tls": map[string]any{"cert_file": "/d/n.crt", "key_file": "/d/n.key"}},
	}
	for _, s := range specs[1:] {
		cfg := enginetest.NodeConfig{Listen: "127.0.0.1:1", Extra: s.extra}
		var doc map[string]map[string]any
		if err := yaml.Unmarshal([]byte(cfg.YAML()), &doc); err != nil {
			t.Fatalf("%s: unexpected YAML error %v in\n%s", s.name, err, cfg.YAML())
		}
		for k, v := range want[s.name] {
			got, _ := json.Marshal(doc["dyn_o_mite"][k])
			w, _ := json.Marshal(v)
			if string(got) != string(w) {
				t.Fatalf("%s: unexpected %s; got %s; want %s", s.name, k, got, w)
			}
		}
		if s.twin == "" || (s.clientTLS != nil) != (s.name == "ctls-1") {
			t.Fatalf("unexpected twin or client TLS of %+v", s)
		}
	}
}

// TestSecureReport: ratios are same-rep pairs, medians over reps; a pair
// that never ran both has no ratio and is not met.
func TestSecureReport(t *testing.T) {
	smp := func(target string, rep int, ops float64, errText string) sample {
		return sample{Workload: "mix", Target: target, Rep: rep, Load: load{OpsSec: ops}, Err: errText}
	}
	samples := []sample{
		smp("dyn-3-quorum", 1, 100, ""), smp("enc-3-quorum", 1, 90, ""),
		smp("dyn-3-quorum", 2, 200, ""), smp("enc-3-quorum", 2, 160, ""),
		smp("dyn-3-quorum", 3, 100, ""), smp("enc-3-quorum", 3, 95, ""),
		smp("dyn-1", 1, 100, ""), smp("ctls-1", 1, 50, ""),
		smp("dyn-1", 2, 100, "boom"), smp("ctls-1", 2, 100, ""),
		{Workload: "1k", Target: "ctls-1", Rep: 1, Load: load{OpsSec: 500}},
	}
	rows := secureReport(samples)
	if len(rows) != 3 {
		t.Fatalf("unexpected rows %+v", rows)
	}
	if r := rows[0]; r.Runs != 3 || math.Abs(r.Ratio-0.9) > 1e-9 || !r.Met {
		t.Fatalf("unexpected enc row; got %+v; want 3 runs, ratio 0.9, met", r)
	}
	if r := rows[1]; r.Runs != 0 || !math.IsNaN(r.Ratio) || r.Met {
		t.Fatalf("unexpected ptls row; got %+v; want no runs", r)
	}
	if r := rows[2]; r.Runs != 1 || r.Ratio != 0.5 || r.Met {
		t.Fatalf("unexpected ctls row; got %+v; want 1 run, ratio 0.5, not met", r)
	}
	b, err := json.Marshal(rows)
	if err != nil || !strings.Contains(string(b), `"ops_ratio":null`) {
		t.Fatalf("unexpected JSON %s, %v", b, err)
	}
}
