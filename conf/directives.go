package conf

import (
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// directive is one row of the key table: how to read the value into a Pool,
// and, for keys Dynomite parses but never uses, the warning to give.
type directive struct {
	set  func(p *parser, key string, v *yaml.Node, pool *Pool)
	dead string
}

// Messages of the dead keys.
const (
	deprecated = "is deprecated and has no effect"
	unused     = "is accepted for compatibility and has no effect"
)

// directives is the key table of docs/compat.md §1.2, one row per key. It is read-only.
var directives = map[string]directive{
	"listen":       {set: addrKey(true, func(q *Pool) *Addr { return &q.Listen })},
	"dyn_listen":   {set: addrKey(false, func(q *Pool) *Addr { return &q.DynListen })},
	"stats_listen": {set: addrKey(true, func(q *Pool) *Addr { return &q.StatsListen })},
	"servers":      {set: setServers},
	"data_store":   {set: intKey(0, 1, func(q *Pool) *int { return &q.DataStore })},

	"datacenter":        {set: strKey(func(q *Pool) *string { return &q.Datacenter })},
	"rack":              {set: strKey(func(q *Pool) *string { return &q.Rack })},
	"tokens":            {set: setTokens},
	"dyn_seeds":         {set: setSeeds},
	"dyn_seed_provider": {set: setSeedProvider},
	"enable_gossip":     {set: boolKey(func(q *Pool) *bool { return &q.EnableGossip })},
	"gos_interval":      {set: msKey(1, func(q *Pool) *time.Duration { return &q.GosInterval })},

	"hash":     {set: setHash},
	"hash_tag": {set: setHashTag},

	"timeout":              {set: msKey(1, func(q *Pool) *time.Duration { return &q.Timeout })},
	"backlog":              {set: intKey(1, math.MaxInt32, func(q *Pool) *int { return &q.Backlog })},
	"preconnect":           {set: boolKey(func(q *Pool) *bool { return &q.Preconnect })},
	"server_retry_timeout": {set: msKey(1, func(q *Pool) *time.Duration { return &q.ServerRetryTimeout })},

	"datastore_connections":   {set: intKey(1, 255, func(q *Pool) *int { return &q.DatastoreConnections })},
	"local_peer_connections":  {set: intKey(1, 255, func(q *Pool) *int { return &q.LocalPeerConnections })},
	"remote_peer_connections": {set: intKey(1, 255, func(q *Pool) *int { return &q.RemotePeerConnections })},

	"read_consistency":     {set: consistencyKey(func(q *Pool) *string { return &q.ReadConsistency })},
	"write_consistency":    {set: consistencyKey(func(q *Pool) *string { return &q.WriteConsistency })},
	"read_repairs_enabled": {set: boolKey(func(q *Pool) *bool { return &q.ReadRepairsEnabled })},

	"secure_server_option": {set: oneOfKey(secureOptions, func(q *Pool) *string { return &q.SecureServerOption })},
	"pem_key_file":         {set: strKey(func(q *Pool) *string { return &q.PemKeyFile })},
	"env":                  {set: strKey(func(q *Pool) *string { return &q.Env })},
	"conn_msg_rate":        {set: intKey(1, math.MaxInt32, func(q *Pool) *int { return &q.ConnMsgRate })},
	"stats_interval":       {set: msKey(1, func(q *Pool) *time.Duration { return &q.StatsInterval })},
	"mbuf_size":            {set: setMbufSize},

	// Beyond Dynomite (secure.go).
	"client_tls":         {set: tlsKey(func(q *Pool) *TLS { return &q.ClientTLS })},
	"peer_tls":           {set: tlsKey(func(q *Pool) *TLS { return &q.PeerTLS })},
	"stats_tls":          {set: tlsKey(func(q *Pool) *TLS { return &q.StatsTLS })},
	"datastore_tls":      {set: tlsKey(func(q *Pool) *TLS { return &q.DatastoreTLS })},
	"requirepass":        {set: strKey(func(q *Pool) *string { return &q.Requirepass })},
	"users":              {set: setUsers},
	"datastore_password": {set: strKey(func(q *Pool) *string { return &q.DatastorePassword })},
	"datastore_user":     {set: strKey(func(q *Pool) *string { return &q.DatastoreUser })},
	"max_msgs":           {set: setMaxMsgs},

	// Convergence (hinted handoff, warm-up, repair): keys of this implementation.
	"hints_dir":       {set: strKey(func(q *Pool) *string { return &q.HintsDir })},
	"hints_max_count": {set: intKey(1, math.MaxInt32, func(q *Pool) *int { return &q.HintsMaxCount })},
	"hints_max_bytes": {set: intKey(HintsMinBytes, math.MaxInt32, func(q *Pool) *int { return &q.HintsMaxBytes })},
	"repair_rate":     {set: intKey(0, math.MaxInt32, func(q *Pool) *int { return &q.RepairRate })},
	"warm_up_from":    {set: strKey(func(q *Pool) *string { return &q.WarmUpFrom })},

	// Parsed by Dynomite, never used.
	"auto_eject_hosts":     {set: boolKey(func(q *Pool) *bool { return &q.AutoEjectHosts })},
	"distribution":         {set: anyKey, dead: deprecated},
	"server_connections":   {set: anyKey, dead: deprecated},
	"client_connections":   {set: intKey(0, math.MaxInt32, func(q *Pool) *int { return &q.ClientConnections }), dead: unused + " (there is no client connection limit)"},
	"server_failure_limit": {set: intKey(0, math.MaxInt32, func(q *Pool) *int { return &q.ServerFailureLimit })},
	"dyn_connections":      {set: intKey(0, math.MaxInt32, func(q *Pool) *int { return &q.DynConnections }), dead: unused},
	"dyn_port":             {set: intKey(0, math.MaxInt32, func(q *Pool) *int { return &q.DynPort }), dead: unused},
	"dyn_read_timeout":     {set: msKey(0, func(q *Pool) *time.Duration { return &q.DynReadTimeout }), dead: unused},
	"dyn_write_timeout":    {set: msKey(0, func(q *Pool) *time.Duration { return &q.DynWriteTimeout }), dead: unused},
	"recon_key_file":       {set: strKey(func(q *Pool) *string { return &q.ReconKeyFile }), dead: unused},
	"recon_iv_file":        {set: strKey(func(q *Pool) *string { return &q.ReconIVFile }), dead: unused},
}

// Value sets of the enumerated keys; read-only.
var (
	// hashes lists the names accepted by the hash directive.
	hashes = []string{"one_at_a_time", "md5", "crc16", "crc32", "crc32a", "fnv1_64", "fnv1a_64",
		"fnv1_32", "fnv1a_32", "hsieh", "murmur", "jenkins", "murmur3"}
	// consistencies lists the consistency levels, in upper case.
	consistencies = []string{"DC_ONE", "DC_QUORUM", "DC_SAFE_QUORUM", "DC_EACH_SAFE_QUORUM"}
	secureOptions = []string{"none", "rack", "datacenter", "all"}
	seedProviders = []string{"simple_provider", "florida_provider", "dns_provider"}
)

// walk reads the pool mapping: duplicates, unknown keys, value shape,
// then the key's own reader.
func (p *parser) walk(pool *yaml.Node, q *Pool) {
	for i := 0; i+1 < len(pool.Content); i += 2 {
		k, v := pool.Content[i], pool.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k.Line, "", ErrStructure, "directive names must be plain strings")
			continue
		}
		key := k.Value
		if first, dup := p.lines[key]; dup {
			p.errorf(k.Line, key, ErrDuplicateKey, "directive %q is a duplicate (first at line %d)", key, first)
			continue
		}
		d, ok := directives[key]
		if !ok {
			p.errorf(k.Line, key, ErrUnknownKey, "directive %q is unknown", key)
			continue
		}
		p.lines[key] = k.Line
		if v.Kind == yaml.ScalarNode && v.Value == "" {
			p.errorf(v.Line, key, ErrEmptyValue, "directive %q has an empty value", key)
			continue
		}
		if d.dead != "" {
			p.warnf(k.Line, key, "directive %q %s", key, d.dead)
		}
		d.set(p, key, v, q)
	}
}

// scalar returns v's text, or false after recording why v is not a scalar.
func (p *parser) scalar(key string, v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode {
		p.errorf(v.Line, key, ErrStructure, "directive %q must be a single value, not a list or mapping", key)
		return "", false
	}
	return v.Value, true
}

// number reads a non-negative decimal integer, as Dynomite's atoi does (no
// sign, no spaces), limited to 32 bits.
func (p *parser) number(key string, v *yaml.Node) (int, bool) {
	s, ok := p.scalar(key, v)
	if !ok {
		return 0, false
	}
	if !isDigits(s) {
		p.errorf(v.Line, key, ErrNotNumber, "directive %q is not a number: %q", key, s)
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		p.errorf(v.Line, key, ErrOutOfRange, "directive %q is too large: %s (at most %d)", key, s, math.MaxInt32)
		return 0, false
	}
	return int(n), true
}

// inRange records an error unless min <= n <= max.
func (p *parser) inRange(key string, v *yaml.Node, n, min, max int) bool {
	switch {
	case n >= min && n <= max:
		return true
	case n == 0 && min == 1:
		p.zero(key, v)
	case max == math.MaxInt32:
		p.errorf(v.Line, key, ErrOutOfRange, "directive %q must be at least %d, got %d", key, min, n)
	default:
		p.errorf(v.Line, key, ErrOutOfRange, "directive %q must be between %d and %d, got %d", key, min, max, n)
	}
	return false
}

func intKey(min, max int, dst func(*Pool) *int) func(*parser, string, *yaml.Node, *Pool) {
	return func(p *parser, key string, v *yaml.Node, q *Pool) {
		if n, ok := p.number(key, v); ok && p.inRange(key, v, n, min, max) {
			*dst(q) = n
		}
	}
}

func msKey(min int, dst func(*Pool) *time.Duration) func(*parser, string, *yaml.Node, *Pool) {
	return func(p *parser, key string, v *yaml.Node, q *Pool) {
		if n, ok := p.number(key, v); ok && p.inRange(key, v, n, min, math.MaxInt32) {
			*dst(q) = time.Duration(n) * time.Millisecond
		}
	}
}

func boolKey(dst func(*Pool) *bool) func(*parser, string, *yaml.Node, *Pool) {
	return func(p *parser, key string, v *yaml.Node, q *Pool) {
		s, ok := p.scalar(key, v)
		switch {
		case !ok:
		case s == "true":
			*dst(q) = true
		case s == "false":
			*dst(q) = false
		default:
			p.errorf(v.Line, key, ErrNotBool, "directive %q is not \"true\" or \"false\": %q", key, s)
		}
	}
}

func strKey(dst func(*Pool) *string) func(*parser, string, *yaml.Node, *Pool) {
	return func(p *parser, key string, v *yaml.Node, q *Pool) {
		if s, ok := p.scalar(key, v); ok {
			*dst(q) = s
		}
	}
}

func anyKey(p *parser, key string, v *yaml.Node, q *Pool) {}

func oneOfKey(names []string, dst func(*Pool) *string) func(*parser, string, *yaml.Node, *Pool) {
	return func(p *parser, key string, v *yaml.Node, q *Pool) {
		s, ok := p.scalar(key, v)
		if !ok {
			return
		}
		if !contains(names, s) {
			p.errorf(v.Line, key, ErrInvalidValue, "directive %q has an invalid value %q (one of %s)", key, s, strings.Join(names, ", "))
			return
		}
		*dst(q) = s
	}
}

func consistencyKey(dst func(*Pool) *string) func(*parser, string, *yaml.Node, *Pool) {
	return func(p *parser, key string, v *yaml.Node, q *Pool) {
		s, ok := p.scalar(key, v)
		if !ok {
			return
		}
		u := strings.ToUpper(s)
		if !contains(consistencies, u) {
			p.errorf(v.Line, key, ErrInvalidValue, "directive %q has an invalid value %q (one of %s, any case)", key, s, strings.Join(consistencies, ", "))
			return
		}
		*dst(q) = u
	}
}

func setHash(p *parser, key string, v *yaml.Node, q *Pool) {
	s, ok := p.scalar(key, v)
	if !ok {
		return
	}
	if !contains(hashes, s) {
		p.errorf(v.Line, key, ErrInvalidValue, "directive %q is not a valid hash: %q (one of %s)", key, s, strings.Join(hashes, " "))
		return
	}
	q.Hash = s
}

func setHashTag(p *parser, key string, v *yaml.Node, q *Pool) {
	s, ok := p.scalar(key, v)
	if !ok {
		return
	}
	if len(s) != 2 {
		p.errorf(v.Line, key, ErrInvalidValue, "directive %q must be exactly 2 characters, such as \"{}\": got %q", key, s)
		return
	}
	q.HashTag = s
}

// setSeedProvider accepts the three provider names. Like Dynomite, a name
// that starts with florida_provider or dns_provider selects that provider and
// any other name means simple_provider; both cases give a warning.
func setSeedProvider(p *parser, key string, v *yaml.Node, q *Pool) {
	s, ok := p.scalar(key, v)
	if !ok {
		return
	}
	if contains(seedProviders, s) {
		q.DynSeedProvider = s
		return
	}
	q.DynSeedProvider = "simple_provider"
	for _, name := range seedProviders[1:] {
		if strings.HasPrefix(s, name) {
			q.DynSeedProvider = name
		}
	}
	p.warnf(v.Line, key, "directive %q: unknown seed provider %q, using %s", key, s, q.DynSeedProvider)
}

// zero records the warning for an explicit 0 where 0 is unusable: Dynomite
// cannot tell 0 from "unset" and applies the default, and so do we.
func (p *parser) zero(key string, v *yaml.Node) {
	p.warnf(v.Line, key, "directive %q is 0, which means unset: using the default", key)
}

func setMbufSize(p *parser, key string, v *yaml.Node, q *Pool) {
	n, ok := p.number(key, v)
	switch {
	case !ok:
	case n == 0:
		p.zero(key, v)
	case n < MbufMinSize || n > MbufMaxSize:
		p.errorf(v.Line, key, ErrOutOfRange, "mbuf_size: mbuf chunk size must be between %d and %d bytes", MbufMinSize, MbufMaxSize)
	case n%16 != 0:
		p.errorf(v.Line, key, ErrOutOfRange, "mbuf_size: mbuf size must be a multiple of 16")
	default:
		q.MbufSize = n
	}
}

func setMaxMsgs(p *parser, key string, v *yaml.Node, q *Pool) {
	n, ok := p.number(key, v)
	switch {
	case !ok:
	case n == 0:
		p.zero(key, v)
	case n < MaxMsgsMin || n > MaxMsgsMax:
		p.errorf(v.Line, key, ErrOutOfRange, "max_msgs: max allocated messages buffer must be between %d and %d messages", MaxMsgsMin, MaxMsgsMax)
	default:
		q.MaxMsgs = n
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
