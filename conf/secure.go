package conf

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// The keys of this file go beyond C Dynomite (docs/compat.md §1.2 has no
// TLS and no auth): TLS blocks for each listener and link, client users,
// and the datastore's credentials.
//
//	client_tls:            # also peer_tls, stats_tls, datastore_tls
//	  cert_file: node.crt  # PEM certificate chain
//	  key_file: node.key   # PEM private key of cert_file
//	  ca_file: ca.crt      # PEM CA bundle that verifies the other side
//	  verify_clients: true # server side: require and verify client certificates
//	  server_name: redis1  # client side (datastore_tls): name to verify
//	requirepass: secret    # password of the user "default" (admin)
//	users:
//	  - name: alice
//	    password: s3cret   # or password_sha256: <64 hex digits>
//	    role: read-write   # read-only, read-write or admin
//	datastore_password: pw # sent with AUTH on every datastore connect
//	datastore_user: proxy  # optional: AUTH <user> <password>
//
// Rules: client_tls and stats_tls need cert_file and key_file, and ca_file
// when verify_clients is true; peer_tls needs all three (peers verify each
// other, both ways); datastore_tls needs none (system roots verify Redis's
// certificate when ca_file is unset; cert_file with key_file is the
// client certificate). Every named file must load: the pair as a key pair,
// the CA file as at least one certificate.

// Roles of a client user.
const (
	RoleReadOnly  = "read-only"
	RoleReadWrite = "read-write"
	RoleAdmin     = "admin"
)

// DefaultUser is the user requirepass sets the password of.
const DefaultUser = "default"

var roles = []string{RoleReadOnly, RoleReadWrite, RoleAdmin}

// TLS is one *_tls block. The zero value (Enabled false) means plain.
type TLS struct {
	Enabled       bool
	CertFile      string
	KeyFile       string
	CAFile        string
	VerifyClients bool   // server side: require a client certificate signed by CAFile
	ServerName    string // client side: the name the server's certificate must carry
}

// User is one client user: either Password is set, or HasSHA256 and
// PasswordSHA256 (the digest given as password_sha256).
type User struct {
	Name           string
	Password       string
	PasswordSHA256 [32]byte
	HasSHA256      bool
	Role           string
}

// tlsFields lists the keys of a *_tls block.
var tlsFields = []string{"cert_file", "key_file", "ca_file", "verify_clients", "server_name"}

// userFields lists the keys of a users item.
var userFields = []string{"name", "password", "password_sha256", "role"}

// block returns the key/value pairs of a mapping value, or false after
// recording why it is not one. Unknown and duplicate keys are errors.
func (p *parser) block(key string, v *yaml.Node, fields []string) (map[string]*yaml.Node, bool) {
	if v.Kind != yaml.MappingNode {
		p.errorf(v.Line, key, ErrStructure, "directive %q must be a mapping of %s", key, strings.Join(fields, ", "))
		return nil, false
	}
	m := map[string]*yaml.Node{}
	ok := true
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		switch {
		case !contains(fields, k.Value):
			p.errorf(k.Line, key, ErrUnknownKey, "directive %q: field %q is unknown (one of %s)", key, k.Value, strings.Join(fields, ", "))
			ok = false
		case m[k.Value] != nil:
			p.errorf(k.Line, key, ErrDuplicateKey, "directive %q: field %q is a duplicate", key, k.Value)
			ok = false
		case val.Kind != yaml.ScalarNode || val.Value == "":
			p.errorf(val.Line, key, ErrInvalidValue, "directive %q: field %q must be a non-empty single value", key, k.Value)
			ok = false
		default:
			m[k.Value] = val
		}
	}
	return m, ok
}

func tlsKey(dst func(*Pool) *TLS) func(*parser, string, *yaml.Node, *Pool) {
	return func(p *parser, key string, v *yaml.Node, q *Pool) {
		m, ok := p.block(key, v, tlsFields)
		if !ok {
			return
		}
		t := TLS{Enabled: true}
		for name, f := range map[string]*string{"cert_file": &t.CertFile, "key_file": &t.KeyFile, "ca_file": &t.CAFile, "server_name": &t.ServerName} {
			if n := m[name]; n != nil {
				*f = n.Value
			}
		}
		if n := m["verify_clients"]; n != nil {
			switch n.Value {
			case "true":
				t.VerifyClients = true
			case "false":
			default:
				p.errorf(n.Line, key, ErrNotBool, "directive %q: field \"verify_clients\" is not \"true\" or \"false\": %q", key, n.Value)
				return
			}
		}
		if p.checkTLS(key, p.lines[key], &t) {
			*dst(q) = t
		}
	}
}

// checkTLS applies the rules of the block's kind and loads its files.
func (p *parser) checkTLS(key string, line int, t *TLS) bool {
	server := key != "datastore_tls"
	need := func(field, val string, why string) bool {
		if val == "" {
			p.errorf(line, key, ErrMissingKey, "directive %q: field %q is missing%s", key, field, why)
			return false
		}
		return true
	}
	ok := true
	if server {
		ok = need("cert_file", t.CertFile, "") && ok
		ok = need("key_file", t.KeyFile, "") && ok
	} else if (t.CertFile == "") != (t.KeyFile == "") {
		p.errorf(line, key, ErrMissingKey, "directive %q: cert_file and key_file go together", key)
		ok = false
	}
	if key == "peer_tls" {
		ok = need("ca_file", t.CAFile, " (peers verify each other against it)") && ok
		t.VerifyClients = true
	} else if t.VerifyClients {
		ok = need("ca_file", t.CAFile, " (verify_clients needs it)") && ok
	}
	if !server && t.VerifyClients {
		p.errorf(line, key, ErrInvalidValue, "directive %q: field \"verify_clients\" is for listeners", key)
		ok = false
	}
	if !ok {
		return false
	}
	if t.CertFile != "" {
		if _, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile); err != nil {
			p.errorf(line, key, ErrKeyFile, "directive %q: cannot load cert_file %q with key_file %q: %v", key, t.CertFile, t.KeyFile, err)
			ok = false
		}
	}
	if t.CAFile != "" {
		if _, err := LoadCertPool(t.CAFile); err != nil {
			p.errorf(line, key, ErrKeyFile, "directive %q: %v", key, err)
			ok = false
		}
	}
	return ok
}

// LoadCertPool reads a PEM CA bundle into a pool; a file without any
// certificate is an error.
func LoadCertPool(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read ca_file %q: %w", path, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("cannot use ca_file %q: it holds no PEM certificate", path)
	}
	return pool, nil
}

func setUsers(p *parser, key string, v *yaml.Node, q *Pool) {
	if v.Kind != yaml.SequenceNode {
		p.errorf(v.Line, key, ErrStructure, "directive %q must be a list of users", key)
		return
	}
	seen := map[string]int{}
	for _, item := range v.Content {
		m, ok := p.block(key, item, userFields)
		if !ok {
			continue
		}
		u, ok := p.user(key, item.Line, m)
		if !ok {
			continue
		}
		if first, dup := seen[u.Name]; dup {
			p.errorf(item.Line, key, ErrDuplicateKey, "directive %q: user %q is a duplicate (first at line %d)", key, u.Name, first)
			continue
		}
		seen[u.Name] = item.Line
		q.Users = append(q.Users, u)
	}
}

// user reads one users item.
func (p *parser) user(key string, line int, m map[string]*yaml.Node) (User, bool) {
	var u User
	if m["name"] == nil {
		p.errorf(line, key, ErrMissingKey, "directive %q: a user has no name", key)
		return u, false
	}
	u.Name = m["name"].Value
	if strings.ContainsAny(u.Name, " \t\r\n") {
		p.errorf(line, key, ErrInvalidValue, "directive %q: user name %q has white space", key, u.Name)
		return u, false
	}
	pw, sum := m["password"], m["password_sha256"]
	switch {
	case (pw == nil) == (sum == nil):
		p.errorf(line, key, ErrInvalidValue, "directive %q: user %q needs exactly one of password and password_sha256", key, u.Name)
		return u, false
	case pw != nil:
		u.Password = pw.Value
	default:
		b, err := hex.DecodeString(sum.Value)
		if err != nil || len(b) != 32 {
			p.errorf(sum.Line, key, ErrInvalidValue, "directive %q: user %q: password_sha256 must be 64 hex digits", key, u.Name)
			return u, false
		}
		copy(u.PasswordSHA256[:], b)
		u.HasSHA256 = true
	}
	u.Role = RoleReadWrite
	if r := m["role"]; r != nil {
		if !contains(roles, r.Value) {
			p.errorf(r.Line, key, ErrInvalidValue, "directive %q: user %q has an invalid role %q (one of %s)", key, u.Name, r.Value, strings.Join(roles, ", "))
			return u, false
		}
		u.Role = r.Value
	}
	return u, true
}

// validateSecure checks the rules between the auth keys.
func (p *parser) validateSecure(q *Pool) {
	if q.Requirepass == "" {
		return
	}
	for _, u := range q.Users {
		if u.Name == DefaultUser {
			p.errorf(p.lines["users"], "users", ErrDuplicateKey, "directive \"users\": user %q is set by \"requirepass\" already", DefaultUser)
		}
	}
}

// PemKeyPath returns the file pem_key_file names. A relative path is read
// from the working directory, as C Dynomite reads it; when no file is there,
// the path is also tried from the configuration file's directory and its
// parent, then the file's base name in the configuration's directory, so
// a config shipped beside its key (conf/dynomite.yml with pem_key_file:
// conf/dynomite.pem) finds it from any working directory.
func (c *Config) PemKeyPath() string {
	p := c.Pool.PemKeyFile
	if filepath.IsAbs(p) || c.File == "" {
		return p
	}
	if _, err := os.Stat(p); err == nil {
		return p
	}
	dir := filepath.Dir(c.File)
	for _, q := range []string{filepath.Join(dir, p), filepath.Join(filepath.Dir(dir), p), filepath.Join(dir, filepath.Base(p))} {
		if fileExists(q) {
			return q
		}
	}
	return p
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// CheckPemKey reads pem_key_file (PemKeyPath) when secure_server_option is
// not none and returns an *Error naming the file, the key and the option
// when it cannot be read or holds no RSA private key. Start-up and -t both
// call it: a node that would encrypt its peer links without a key must not
// start (C Dynomite aborts at start-up too).
func (c *Config) CheckPemKey() error {
	q := &c.Pool
	if q.SecureServerOption == "none" {
		return nil
	}
	fail := func(format string, args ...any) error {
		msg := fmt.Sprintf("directive \"pem_key_file\": "+format+" (secure_server_option is %q)", append(args, q.SecureServerOption)...)
		return &Error{File: c.File, Line: c.Line("pem_key_file"), Key: "pem_key_file", Msg: msg, Err: ErrKeyFile}
	}
	path := c.PemKeyPath()
	data, err := os.ReadFile(path)
	if err != nil {
		return fail("cannot read %q: %v", q.PemKeyFile, err)
	}
	if _, err := parseRSAPrivateKey(data); err != nil {
		return fail("cannot use %q: %v", path, err)
	}
	return nil
}

// parseRSAPrivateKey finds an RSA private key (PKCS#1 or PKCS#8) in PEM data.
func parseRSAPrivateKey(data []byte) (*rsa.PrivateKey, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, fmt.Errorf("no RSA private key in the file")
		}
		switch b.Type {
		case "RSA PRIVATE KEY":
			return x509.ParsePKCS1PrivateKey(b.Bytes)
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, err
			}
			if rk, ok := k.(*rsa.PrivateKey); ok {
				return rk, nil
			}
			return nil, fmt.Errorf("the private key is %T, not RSA", k)
		}
	}
}
