package enginetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

// CA is a certificate authority for tests, made with crypto/x509: an
// ECDSA P-256 key and a self-signed certificate valid for a day, written
// to File. Leaf certificates it issues are for 127.0.0.1 and localhost
// and serve both as server and as client certificates.
type CA struct {
	Cert *x509.Certificate
	File string // the CA certificate, PEM
	Pool *x509.CertPool

	key    *ecdsa.PrivateKey
	dir    string
	serial atomic.Int64
}

// NewCA makes a CA named name with its files in a directory of the test.
func NewCA(tb TB, name string) *CA {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("cannot generate a CA key: %v", err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		tb.Fatalf("cannot make the CA certificate: %v", err)
	}
	cert, _ := x509.ParseCertificate(der)
	c := &CA{Cert: cert, key: k, dir: tb.TempDir(), Pool: x509.NewCertPool()}
	c.Pool.AddCert(cert)
	c.serial.Store(1)
	c.File = filepath.Join(c.dir, name+"-ca.crt")
	writeFile(tb, c.File, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return c
}

// Issue writes a certificate signed by c with common name cn, valid from
// an hour ago for a day, and its key; it returns their paths.
func (c *CA) Issue(tb TB, cn string) (certFile, keyFile string) {
	tb.Helper()
	return c.IssueValid(tb, cn, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
}

// IssueValid is Issue with a validity period of its own.
func (c *CA) IssueValid(tb TB, cn string, notBefore, notAfter time.Time) (certFile, keyFile string) {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("cannot generate a key: %v", err)
	}
	serial := c.serial.Add(1)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: notBefore, NotAfter: notAfter,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.Cert, &k.PublicKey, c.key)
	if err != nil {
		tb.Fatalf("cannot issue a certificate: %v", err)
	}
	kd, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		tb.Fatalf("cannot encode a key: %v", err)
	}
	base := filepath.Join(c.dir, cn+"-"+big.NewInt(serial).String())
	certFile, keyFile = base+".crt", base+".key"
	writeFile(tb, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	writeFile(tb, keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}))
	return certFile, keyFile
}

func writeFile(tb TB, path string, data []byte) {
	tb.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatalf("cannot write %s: %v", path, err)
	}
}
