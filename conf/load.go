package conf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"sort"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// Load reads, checks and returns the configuration in the file at path.
//
// On success it returns the Config and the warnings (keys accepted without
// effect, defaults applied where Dynomite complains). When the file is invalid
// the error is an ErrorList holding every problem found; when the file cannot
// be read it wraps the os error (errors.Is(err, fs.ErrNotExist) works).
// Host names are resolved with the system resolver; an unresolvable host is an
// error.
func Load(path string) (*Config, []Warning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read configuration file %q: %w", path, err)
	}
	return Parse(path, data)
}

// Parse is Load for a file already in memory; name is used in messages and
// stored as Config.File.
func Parse(name string, data []byte) (*Config, []Warning, error) {
	return parse(name, data, lookupHost)
}

// resolveTimeout bounds the resolution of one host name.
const resolveTimeout = 5 * time.Second

func lookupHost(host string) error {
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, host)
	if err == nil && len(addrs) == 0 {
		err = errors.New("no address")
	}
	return err
}

// parser holds the state of one Parse: the problems found so far and the
// keys seen, with their lines.
type parser struct {
	file     string
	resolve  func(host string) error
	resolved map[string]error
	errs     ErrorList
	warns    []Warning
	lines    map[string]int // directive -> line of its key
	poolLine int
}

func parse(name string, data []byte, resolve func(string) error) (*Config, []Warning, error) {
	p := &parser{file: name, resolve: resolve, resolved: map[string]error{}, lines: map[string]int{}}
	cfg := &Config{File: name, Pool: defaults()}
	if pool := p.document(data, cfg); pool != nil {
		p.walk(pool, &cfg.Pool)
		p.validate(cfg)
	}
	sort.SliceStable(p.warns, func(i, j int) bool { return p.warns[i].Line < p.warns[j].Line })
	if len(p.errs) > 0 {
		p.errs.sort()
		return nil, p.warns, p.errs
	}
	cfg.lines = p.lines
	return cfg, p.warns, nil
}

// errorf records a problem at line with key and class.
func (p *parser) errorf(line int, key string, class error, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...), Err: class})
}

// warnf records a warning.
func (p *parser) warnf(line int, key string, format string, args ...any) {
	p.warns = append(p.warns, Warning{File: p.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError records a YAML parser error, moving its line number into the
// position.
func (p *parser) syntaxError(err error) {
	msg := err.Error()
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	} else if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	p.errorf(line, "", ErrSyntax, "invalid YAML: %s", msg)
}

// document decodes data, checks the shape Dynomite accepts (one document, a
// root mapping with one pool key, block style, no anchors, aliases or tags)
// and returns the pool's mapping node, or nil when nothing more can be checked.
func (p *parser) document(data []byte, cfg *Config) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(0, "", ErrStructure, "configuration is empty: it must hold one pool")
		} else {
			p.syntaxError(err)
		}
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.errorf(extra.Line, "", ErrStructure, "configuration must contain only 1 document")
	} else if !errors.Is(err, io.EOF) {
		p.syntaxError(err)
	}
	p.plain(&doc, 0, "")
	if len(doc.Content) != 1 {
		p.errorf(doc.Line, "", ErrStructure, "configuration is empty: it must hold one pool")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode || len(root.Content) == 0 {
		p.errorf(root.Line, "", ErrStructure, "configuration must be a mapping with one pool name as its key")
		return nil
	}
	if len(root.Content) > 2 {
		k := root.Content[2]
		p.errorf(k.Line, "", ErrManyPools, "pool %q: a file holds one pool only (first pool %q)", k.Value, root.Content[0].Value)
	}
	key, pool := root.Content[0], root.Content[1]
	cfg.PoolName = key.Value
	p.poolLine = key.Line
	if key.Kind != yaml.ScalarNode || key.Value == "" {
		p.errorf(key.Line, "", ErrStructure, "pool name must be a non-empty string")
	}
	if pool.Kind != yaml.MappingNode {
		p.errorf(pool.Line, "", ErrStructure, "pool %q must be a mapping of directives", key.Value)
		return nil
	}
	return pool
}

// plain reports anchors, aliases, tags and flow collections anywhere under n:
// Dynomite's parser accepts none of them.
func (p *parser) plain(n *yaml.Node, depth int, key string) {
	switch {
	case n.Kind == yaml.AliasNode:
		p.errorf(n.Line, key, ErrStructure, "%saliases are not supported", where(key))
		return
	case n.Anchor != "":
		p.errorf(n.Line, key, ErrStructure, "%sanchors are not supported", where(key))
	case n.Style&yaml.TaggedStyle != 0:
		p.errorf(n.Line, key, ErrStructure, "%stags are not supported", where(key))
	case n.Style&yaml.FlowStyle != 0 && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode):
		p.errorf(n.Line, key, ErrStructure, "%sflow collections ([...] or {...}) are not supported", where(key))
	}
	for i, c := range n.Content {
		k := key
		// depth 2 is the pool's mapping: its values belong to a directive.
		if depth == 2 && n.Kind == yaml.MappingNode {
			k = n.Content[i&^1].Value
		}
		p.plain(c, depth+1, k)
	}
}

func where(key string) string {
	if key == "" {
		return ""
	}
	return "directive " + strconv.Quote(key) + ": "
}
