package conf

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// addrKey reads host:port, or an absolute Unix socket path when unix is true.
func addrKey(unix bool, dst func(*Pool) *Addr) func(*parser, string, *yaml.Node, *Pool) {
	return func(p *parser, key string, v *yaml.Node, q *Pool) {
		s, ok := p.scalar(key, v)
		if !ok {
			return
		}
		if a, ok := p.addr(key, v.Line, s, unix); ok {
			*dst(q) = a
		}
	}
}

// addr parses s as host:port or /path and resolves the host.
func (p *parser) addr(key string, line int, s string, unix bool) (Addr, bool) {
	if strings.HasPrefix(s, "/") {
		if !unix {
			p.errorf(line, key, ErrBadAddress, "directive %q must be host:port, not a Unix socket path: %q", key, s)
			return Addr{}, false
		}
		return Addr{Network: "unix", Path: s, Raw: s}, true
	}
	host, port, problem := splitHostPort(s)
	if problem != "" {
		p.errorf(line, key, ErrBadAddress, "directive %q: address %q %s", key, s, problem)
		return Addr{}, false
	}
	if !p.resolvable(key, line, host) {
		return Addr{}, false
	}
	return Addr{Network: "tcp", Host: host, Port: port, Raw: s}, true
}

// resolvable resolves host once per file and records an error when it fails.
func (p *parser) resolvable(key string, line int, host string) bool {
	err, done := p.resolved[host]
	if !done {
		err = p.resolve(host)
		p.resolved[host] = err
	}
	if err != nil {
		p.errorf(line, key, ErrUnresolvable, "directive %q: host %q cannot be resolved: %v", key, host, err)
		return false
	}
	return true
}

// sequence returns the items of a list directive, all scalars.
func (p *parser) sequence(key string, v *yaml.Node) []*yaml.Node {
	if v.Kind != yaml.SequenceNode {
		p.errorf(v.Line, key, ErrStructure, "directive %q must be a list (lines starting with \"- \")", key)
		return nil
	}
	items := v.Content[:0:0]
	for _, it := range v.Content {
		switch {
		case it.Kind != yaml.ScalarNode:
			p.errorf(it.Line, key, ErrStructure, "directive %q: each item must be a single string", key)
		case it.Value == "":
			p.errorf(it.Line, key, ErrEmptyValue, "directive %q has an empty item", key)
		default:
			items = append(items, it)
		}
	}
	return items
}

// nameField splits "value [name]" at blanks.
func (p *parser) nameField(key string, it *yaml.Node, format string) (value, name string, ok bool) {
	f := strings.Fields(it.Value)
	if len(f) == 0 || len(f) > 2 {
		p.errorf(it.Line, key, ErrInvalidValue, "directive %q: item %q is not %s", key, it.Value, format)
		return "", "", false
	}
	if len(f) == 2 {
		name = f[1]
	}
	return f[0], name, true
}

const serverFormat = `"host:port:weight [name]" or "/path:weight [name]"`

// setServers reads the datastore list. Validation later insists on exactly one.
func setServers(p *parser, key string, v *yaml.Node, q *Pool) {
	for _, it := range p.sequence(key, v) {
		s, name, ok := p.nameField(key, it, serverFormat)
		if !ok {
			continue
		}
		i := strings.LastIndexByte(s, ':')
		if i < 0 || !isDigits(s[i+1:]) {
			p.errorf(it.Line, key, ErrInvalidValue, "directive %q: item %q is not %s: weight missing or not a number", key, it.Value, serverFormat)
			continue
		}
		weight, err := strconv.Atoi(s[i+1:])
		if err != nil {
			p.errorf(it.Line, key, ErrOutOfRange, "directive %q: weight %q is too large", key, s[i+1:])
			continue
		}
		a, ok := p.addr(key, it.Line, s[:i], true)
		if !ok {
			continue
		}
		if name == "" {
			name = serverName(a)
		}
		q.Servers = append(q.Servers, Server{Addr: a, Weight: weight, Name: name})
	}
}

// serverName is Dynomite's default stats name of a datastore: host:port, the
// port left out when it is memcached's 11211; the path for a Unix socket.
func serverName(a Addr) string {
	if a.Network == "unix" {
		return a.Path
	}
	if a.Port == 11211 {
		return a.Host
	}
	return a.Raw
}

const seedFormat = `"host:port:rack:dc:tokens [name]"`

// setSeeds reads dyn_seeds, each item split from the right as Dynomite does.
func setSeeds(p *parser, key string, v *yaml.Node, q *Pool) {
	for _, it := range p.sequence(key, v) {
		s, name, ok := p.nameField(key, it, seedFormat)
		if !ok {
			continue
		}
		parts := strings.Split(s, ":")
		if len(parts) < 5 {
			p.errorf(it.Line, key, ErrInvalidValue, "directive %q: item %q is not %s", key, it.Value, seedFormat)
			continue
		}
		n := len(parts)
		rack, dc, tok := parts[n-3], parts[n-2], parts[n-1]
		if rack == "" || dc == "" {
			p.errorf(it.Line, key, ErrInvalidValue, "directive %q: item %q has an empty rack or datacenter", key, it.Value)
			continue
		}
		tokens, ok := p.tokens(key, it.Line, tok)
		if !ok {
			continue
		}
		a, ok := p.addr(key, it.Line, strings.Join(parts[:n-3], ":"), false)
		if !ok {
			continue
		}
		q.DynSeeds = append(q.DynSeeds, Seed{Addr: a, Rack: rack, DC: dc, Tokens: tokens, Name: name})
	}
}

func setTokens(p *parser, key string, v *yaml.Node, q *Pool) {
	s, ok := p.scalar(key, v)
	if !ok {
		return
	}
	if t, ok := p.tokens(key, v.Line, s); ok {
		q.Tokens = t
	}
}

// tokens reads a comma-separated list of decimal uint32 tokens.
func (p *parser) tokens(key string, line int, s string) ([]uint32, bool) {
	var out []uint32
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		n, err := strconv.ParseUint(f, 10, 32)
		if !isDigits(f) || err != nil {
			p.errorf(line, key, ErrInvalidValue, "directive %q: token %q is not a decimal number between 0 and 4294967295", key, f)
			return nil, false
		}
		out = append(out, uint32(n))
	}
	return out, true
}
