package matrix

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"crypto/x509"
	"crypto/x509/pkix"
)

// The secure group (-secure): the cost of encrypted links, next to the
// plain targets in the same run (issue 13's speed targets).
//
//	target          twin of        what differs from the twin
//	enc-3-quorum    dyn-3-quorum   secure_server_option: all, pem_key_file:
//	                               Dynomite's test key (dynomite-test.pem, a
//	                               copy of codec/dnode/testdata/dynomite.pem)
//	ptls-3-quorum   dyn-3-quorum   peer_tls: mutual TLS between the nodes
//	ctls-1          dyn-1          client_tls: the load speaks TLS to the node
//
// The certificates are made at start (makeCerts): one ECDSA P-256 CA and
// one leaf for 127.0.0.1 that serves as server and client certificate.
// The report gives, on the 2 x 25 mix, the median over reps of the
// same-rep ratio secure / plain against its target (secureTargets).

//go:embed dynomite-test.pem
var testPemKey []byte

// certFiles are the PEM files of the bench's certificates.
type certFiles struct {
	CA, Cert, Key string
}

// makeCerts writes a CA and one leaf certificate signed by it (for
// 127.0.0.1 and localhost, server and client use, valid from an hour ago
// for a day) into dir.
func makeCerts(dir string) (certFiles, error) {
	f := certFiles{CA: filepath.Join(dir, "bench-ca.crt"), Cert: filepath.Join(dir, "bench.crt"), Key: filepath.Join(dir, "bench.key")}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return f, fmt.Errorf("cannot generate the CA key: %w", err)
	}
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dynomite-bench CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return f, fmt.Errorf("cannot make the CA certificate: %w", err)
	}
	if ca, err = x509.ParseCertificate(caDER); err != nil {
		return f, fmt.Errorf("cannot read the CA certificate: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return f, fmt.Errorf("cannot generate a key: %w", err)
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "dynomite-bench"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return f, fmt.Errorf("cannot issue a certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return f, fmt.Errorf("cannot encode a key: %w", err)
	}
	for _, w := range []struct {
		path, typ string
		der       []byte
	}{{f.CA, "CERTIFICATE", caDER}, {f.Cert, "CERTIFICATE", leafDER}, {f.Key, "PRIVATE KEY", keyDER}} {
		if err := os.WriteFile(w.path, pem.EncodeToMemory(&pem.Block{Type: w.typ, Bytes: w.der}), 0o600); err != nil {
			return f, fmt.Errorf("cannot write %s: %w", w.path, err)
		}
	}
	return f, nil
}

// tlsBlock renders the value of a *_tls YAML block as NodeConfig.Extra
// writes it after "  key: ": a nested block mapping (the configuration
// has no flow collections); ca is "" for a block without ca_file.
func tlsBlock(cert, key, ca string) string {
	s := fmt.Sprintf("\n    cert_file: %q\n    key_file: %q", cert, key)
	if ca != "" {
		s += fmt.Sprintf("\n    ca_file: %q", ca)
	}
	return s
}

// secureSetup is what the secure targets need on disk.
type secureSetup struct {
	certs  certFiles
	pemKey string // Dynomite's RSA key, for pem_key_file
}

// writeSecureFiles writes the certificates and the pem key into dir.
func writeSecureFiles(dir string) (secureSetup, error) {
	certs, err := makeCerts(dir)
	if err != nil {
		return secureSetup{}, err
	}
	key := filepath.Join(dir, "dynomite.pem")
	if err := os.WriteFile(key, testPemKey, 0o600); err != nil {
		return secureSetup{}, fmt.Errorf("cannot write %s: %w", key, err)
	}
	return secureSetup{certs: certs, pemKey: key}, nil
}

// secureSpecs returns the targets of the secure group; plain3 tells
// whether dyn-3-quorum is already among the targets (with -cluster).
func secureSpecs(s secureSetup, bin string, plain3 bool) []spec {
	if bin == "" {
		return nil
	}
	var out []spec
	if !plain3 {
		out = append(out, spec{name: "dyn-3-quorum", desc: "dynomite-go, 3 racks x 1 node, DC_QUORUM", kind: redisNodes,
			bin: bin, racks: 3, consistency: "DC_QUORUM"})
	}
	c := s.certs
	out = append(out,
		spec{name: "enc-3-quorum", desc: "dyn-3-quorum with secure_server_option: all (Dynomite's encryption)", kind: redisNodes,
			bin: bin, racks: 3, consistency: "DC_QUORUM", twin: "dyn-3-quorum",
			extra: map[string]string{"secure_server_option": "all", "pem_key_file": s.pemKey}},
		spec{name: "ptls-3-quorum", desc: "dyn-3-quorum with peer_tls (mutual TLS between nodes)", kind: redisNodes,
			bin: bin, racks: 3, consistency: "DC_QUORUM", twin: "dyn-3-quorum",
			extra: map[string]string{"peer_tls": tlsBlock(c.Cert, c.Key, c.CA)}},
		spec{name: "ctls-1", desc: "dyn-1 with client_tls (the load speaks TLS)", kind: redisNodes,
			bin: bin, racks: 1, twin: "dyn-1", clientTLS: &s.certs,
			extra: map[string]string{"client_tls": tlsBlock(c.Cert, c.Key, "")}})
	return out
}

// secureTarget is one row of the secure report: target over plain on
// workload, against the floor.
type secureTarget struct {
	target, plain string
	floor         float64
}

// secureTargets are the secure report's rows, on the 2 x 25 mix.
var secureTargets = []secureTarget{
	{"enc-3-quorum", "dyn-3-quorum", 0.85},
	{"ptls-3-quorum", "dyn-3-quorum", 0.85},
	{"ctls-1", "dyn-1", 0.80},
}

// secureWorkload is the workload the secure ratios are taken on.
const secureWorkload = "mix"

// secureRow is one ratio of the secure report.
type secureRow struct {
	Target string  `json:"target"`
	Plain  string  `json:"plain"`
	Runs   int     `json:"runs"`
	Ratio  float64 `json:"ops_ratio"` // median over reps of ops/s(target) / ops/s(plain) in the same rep
	Floor  float64 `json:"target_ratio"`
	Met    bool    `json:"met"`
}

// MarshalJSON writes a ratio without a pair of runs as null.
func (r secureRow) MarshalJSON() ([]byte, error) {
	type plain secureRow
	return json.Marshal(struct {
		plain
		Ratio *float64 `json:"ops_ratio"`
	}{plain(r), finite(r.Ratio)})
}

// secureReport computes the secure rows from samples; a pair without a
// run of both in some rep has Runs 0 and a NaN ratio.
func secureReport(samples []sample) []secureRow {
	var rows []secureRow
	for _, st := range secureTargets {
		r, n := pairRatio(samples, secureWorkload, st.target, st.plain)
		rows = append(rows, secureRow{Target: st.target, Plain: st.plain, Runs: n, Ratio: r, Floor: st.floor, Met: n > 0 && r >= st.floor})
	}
	return rows
}

// pairRatio returns the median over reps of ops/s(num) / ops/s(den) on
// workload, over the reps where both ran without error, and their count.
func pairRatio(samples []sample, workload, num, den string) (float64, int) {
	ops := map[[2]any]float64{}
	for _, s := range samples {
		if s.Workload == workload && s.Err == "" && s.Load.OpsSec > 0 {
			ops[[2]any{s.Target, s.Rep}] = s.Load.OpsSec
		}
	}
	var rs []float64
	for _, s := range samples {
		if s.Workload != workload || s.Target != num {
			continue
		}
		a, okA := ops[[2]any{num, s.Rep}]
		b, okB := ops[[2]any{den, s.Rep}]
		if okA && okB {
			rs = append(rs, a/b)
		}
	}
	if len(rs) == 0 {
		return math.NaN(), 0
	}
	return median(rs), len(rs)
}

// writeSecure prints the secure report.
func writeSecure(w io.Writer, rows []secureRow) {
	fmt.Fprintf(w, "\nsecure links (-secure), %s workload, ops/s over the plain twin in the same rep (median):\n", secureWorkload)
	for _, r := range rows {
		verdict := "below target"
		if r.Met {
			verdict = "ok"
		}
		if r.Runs == 0 {
			fmt.Fprintf(w, "  %-14s / %-13s no pair of runs\n", r.Target, r.Plain)
			continue
		}
		fmt.Fprintf(w, "  %-14s / %-13s %.3f (target >= %.2f, %d reps): %s\n", r.Target, r.Plain, r.Ratio, r.Floor, r.Runs, verdict)
	}
}
