package conf_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
)

// writePair writes a self-signed certificate and its key into dir and
// returns their paths; the certificate doubles as a CA file.
func writePair(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalECPrivateKey(k)
	cert, key = filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

const baseConf = "p:\n  listen: 127.0.0.1:8102\n  servers:\n  - 127.0.0.1:22122:1\n"

func TestSecureKeys(t *testing.T) {
	dir := t.TempDir()
	cert, key := writePair(t, dir)
	sum := strings.Repeat("ab", 32)
	y := baseConf + "  client_tls:\n    cert_file: " + cert + "\n    key_file: " + key + "\n" +
		"  peer_tls:\n    cert_file: " + cert + "\n    key_file: " + key + "\n    ca_file: " + cert + "\n" +
		"  stats_tls:\n    cert_file: " + cert + "\n    key_file: " + key + "\n    ca_file: " + cert + "\n    verify_clients: true\n" +
		"  datastore_tls:\n    ca_file: " + cert + "\n    server_name: redis1\n" +
		"  requirepass: top\n  users:\n  - name: alice\n    password: pw\n    role: read-only\n" +
		"  - name: bob\n    password_sha256: " + sum + "\n    role: admin\n  - name: carol\n    password: x\n" +
		"  datastore_password: dpw\n  datastore_user: proxy\n"
	cfg, _, err := conf.ParseOffline("s.yml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	q := cfg.Pool
	if !q.ClientTLS.Enabled || q.ClientTLS.CertFile != cert || q.ClientTLS.VerifyClients {
		t.Fatalf("unexpected client_tls %+v", q.ClientTLS)
	}
	if !q.PeerTLS.VerifyClients || q.PeerTLS.CAFile != cert {
		t.Fatalf("unexpected peer_tls %+v: peers verify each other", q.PeerTLS)
	}
	if !q.StatsTLS.VerifyClients || q.DatastoreTLS.ServerName != "redis1" || q.DatastoreTLS.CertFile != "" {
		t.Fatalf("unexpected stats_tls %+v or datastore_tls %+v", q.StatsTLS, q.DatastoreTLS)
	}
	if q.Requirepass != "top" || len(q.Users) != 3 || q.DatastorePassword != "dpw" || q.DatastoreUser != "proxy" {
		t.Fatalf("unexpected auth keys %+v", q)
	}
	a, b, c := q.Users[0], q.Users[1], q.Users[2]
	if a.Name != "alice" || a.Password != "pw" || a.Role != conf.RoleReadOnly || a.HasSHA256 {
		t.Fatalf("unexpected user %+v", a)
	}
	if b.Role != conf.RoleAdmin || !b.HasSHA256 || b.PasswordSHA256[0] != 0xab || b.Password != "" {
		t.Fatalf("unexpected user %+v", b)
	}
	if c.Role != conf.RoleReadWrite {
		t.Fatalf("unexpected default role %q; want %q", c.Role, conf.RoleReadWrite)
	}
	if (conf.Pool{}).ClientTLS.Enabled {
		t.Fatal("TLS enabled by default")
	}
}

func TestSecureKeyErrors(t *testing.T) {
	dir := t.TempDir()
	cert, key := writePair(t, dir)
	junk := filepath.Join(dir, "junk.pem")
	_ = os.WriteFile(junk, []byte("junk"), 0o600)
	f := func(extra string, class error, want string) {
		t.Helper()
		_, _, err := conf.ParseOffline("e.yml", []byte(baseConf+extra))
		if err == nil || !errors.Is(err, class) || !strings.Contains(err.Error(), want) {
			t.Fatalf("unexpected error for %q; got %v; want %v containing %q", extra, err, class, want)
		}
	}
	f("  client_tls:\n    key_file: "+key+"\n", conf.ErrMissingKey, `e.yml:5: directive "client_tls": field "cert_file" is missing`)
	f("  client_tls:\n    cert_file: "+cert+"\n    key_file: "+filepath.Join(dir, "nope")+"\n", conf.ErrKeyFile, `cannot load cert_file`)
	f("  client_tls:\n    cert_file: "+cert+"\n    key_file: "+junk+"\n", conf.ErrKeyFile, `key_file "`+junk+`"`)
	f("  peer_tls:\n    cert_file: "+cert+"\n    key_file: "+key+"\n", conf.ErrMissingKey, `field "ca_file" is missing (peers verify each other against it)`)
	f("  stats_tls:\n    cert_file: "+cert+"\n    key_file: "+key+"\n    ca_file: "+junk+"\n", conf.ErrKeyFile, `cannot use ca_file "`+junk+`": it holds no PEM certificate`)
	f("  client_tls:\n    cert_file: "+cert+"\n    key_file: "+key+"\n    verify_clients: true\n", conf.ErrMissingKey, `(verify_clients needs it)`)
	f("  client_tls:\n    cert_file: "+cert+"\n    key_file: "+key+"\n    verify_clients: yes\n", conf.ErrNotBool, `"verify_clients" is not "true" or "false"`)
	f("  client_tls:\n    cert: x\n", conf.ErrUnknownKey, `e.yml:6: directive "client_tls": field "cert" is unknown`)
	f("  client_tls: on\n", conf.ErrStructure, `directive "client_tls" must be a mapping`)
	f("  datastore_tls:\n    cert_file: "+cert+"\n", conf.ErrMissingKey, `cert_file and key_file go together`)
	f("  users:\n  - name: a\n    role: read-only\n", conf.ErrInvalidValue, `user "a" needs exactly one of password and password_sha256`)
	f("  users:\n  - name: a\n    password: x\n    password_sha256: ab\n", conf.ErrInvalidValue, `needs exactly one`)
	f("  users:\n  - name: a\n    password_sha256: abc\n", conf.ErrInvalidValue, `password_sha256 must be 64 hex digits`)
	f("  users:\n  - name: a\n    password: x\n    role: root\n", conf.ErrInvalidValue, `invalid role "root" (one of read-only, read-write, admin)`)
	f("  users:\n  - name: a\n    password: x\n  - name: a\n    password: y\n", conf.ErrDuplicateKey, `user "a" is a duplicate (first at line 6)`)
	f("  users:\n  - password: x\n", conf.ErrMissingKey, `a user has no name`)
	f("  requirepass: x\n  users:\n  - name: default\n    password: y\n", conf.ErrDuplicateKey, `user "default" is set by "requirepass" already`)
	f("  datastore_user: u\n", conf.ErrMissingKey, `"datastore_user" needs "datastore_password"`)
}

func TestCheckPemKey(t *testing.T) {
	dir := t.TempDir()
	pemData, err := os.ReadFile("../codec/dnode/testdata/dynomite.pem")
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "dynomite.pem")
	_ = os.WriteFile(good, pemData, 0o600)
	junk := filepath.Join(dir, "junk.pem")
	_ = os.WriteFile(junk, []byte("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"), 0o600)
	f := func(option, file, want string) {
		t.Helper()
		y := baseConf + "  secure_server_option: " + option + "\n  pem_key_file: " + file + "\n"
		cfg, _, err := conf.ParseOffline("k.yml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		err = cfg.CheckPemKey()
		if want == "" {
			if err != nil {
				t.Fatalf("unexpected error for %s %s: %v", option, file, err)
			}
			return
		}
		if err == nil || !errors.Is(err, conf.ErrKeyFile) || !strings.Contains(err.Error(), want) {
			t.Fatalf("unexpected error for %s %s; got %v; want one containing %q", option, file, err, want)
		}
	}
	f("all", good, "")
	f("none", filepath.Join(dir, "missing.pem"), "")
	f("datacenter", filepath.Join(dir, "missing.pem"), `k.yml:6: directive "pem_key_file": cannot read "`+filepath.Join(dir, "missing.pem")+`"`)
	f("rack", junk, `(secure_server_option is "rack")`)
	f("all", junk, `cannot use "`+junk+`"`)
}
