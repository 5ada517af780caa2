package secure

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/conf"
)

// ErrNotEnabled: a TLS block that the file does not set.
var ErrNotEnabled = errors.New("secure: TLS is not enabled for this link")

// Certs is one TLS block's files, loaded, and reloadable. Handshakes read
// the current files through callbacks, so Reload changes what new
// handshakes see and leaves established connections alone.
type Certs struct {
	block conf.TLS
	cur   atomic.Pointer[loaded]
}

// loaded is one reading of a block's files.
type loaded struct {
	cert *tls.Certificate // nil when the block has no cert_file
	pool *x509.CertPool   // nil when the block has no ca_file
}

// NewCerts loads the files of b. An unset block gives ErrNotEnabled.
func NewCerts(b conf.TLS) (*Certs, error) {
	if !b.Enabled {
		return nil, ErrNotEnabled
	}
	c := &Certs{block: b}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload reads the files again (on SIGHUP). On error the previous files
// stay in use.
func (c *Certs) Reload() error {
	var l loaded
	if c.block.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.block.CertFile, c.block.KeyFile)
		if err != nil {
			return fmt.Errorf("cannot load cert_file %q with key_file %q: %w", c.block.CertFile, c.block.KeyFile, err)
		}
		l.cert = &cert
	}
	if c.block.CAFile != "" {
		pool, err := conf.LoadCertPool(c.block.CAFile)
		if err != nil {
			return err
		}
		l.pool = pool
	}
	c.cur.Store(&l)
	return nil
}

// ServerConfig returns the configuration of a listener: its certificate,
// and, with verify_clients (always for peer_tls), a client certificate
// required and verified against ca_file. Each handshake takes the files
// current at its start.
func (c *Certs) ServerConfig() *tls.Config {
	base := &tls.Config{MinVersion: tls.VersionTLS12}
	base.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
		l := c.cur.Load()
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if l.cert != nil {
			cfg.Certificates = []tls.Certificate{*l.cert}
		}
		if c.block.VerifyClients {
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
			cfg.ClientCAs = l.pool
		}
		return cfg, nil
	}
	return base
}

// ClientConfig returns the configuration of one dial: the server verified
// against ca_file (system roots without one) under serverName (the
// block's server_name when set), and the block's certificate offered when
// it has one (peer_tls: mutual). Call it per dial: it takes the current
// files.
func (c *Certs) ClientConfig(serverName string) *tls.Config {
	l := c.cur.Load()
	if c.block.ServerName != "" {
		serverName = c.block.ServerName
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: l.pool, ServerName: serverName}
	if l.cert != nil {
		cfg.Certificates = []tls.Certificate{*l.cert}
	}
	return cfg
}

// LoadPeerKey reads the cluster's RSA key for Dynomite's peer encryption
// when secure_server_option is not none (nil, nil when it is none or
// unset). The error names the file, the key and the option
// (conf.Config.CheckPemKey).
func LoadPeerKey(cfg *conf.Config) (*dnode.RSAKey, error) {
	if opt := cfg.Pool.SecureServerOption; opt == "none" || opt == "" {
		return nil, nil
	}
	if err := cfg.CheckPemKey(); err != nil {
		return nil, err
	}
	path := cfg.PemKeyPath()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read pem_key_file %q: %w", path, err)
	}
	k, err := dnode.ParseRSAKey(data)
	if err != nil {
		return nil, fmt.Errorf("cannot use pem_key_file %q: %w", path, err)
	}
	return k, nil
}

// Secures reports whether a link to a peer is encrypted under option
// (docs/compat.md §5.4), as the sending side decides: datacenter secures
// links to other DCs, rack links to other racks or DCs, all every link.
func Secures(option string, sameRack, sameDC bool) bool {
	switch option {
	case "all":
		return true
	case "datacenter":
		return !sameDC
	case "rack":
		return !sameDC || !sameRack
	}
	return false
}
