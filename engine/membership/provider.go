package membership

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/ring/seeds"
)

// Errors returned by this package. Compare with errors.Is.
var (
	// ErrProvider: a provider could not produce a list (unreachable, bad
	// status, bad answer). The wrapped error says which.
	ErrProvider = errors.New("membership: seed provider failed")
	// ErrBadOptions: Options cannot make a provider.
	ErrBadOptions = errors.New("membership: bad options")
)

// Provider returns the current seed list, as text in the pipe-joined
// format of ring/seeds. A Provider is used by one goroutine at a time.
type Provider interface {
	// Name is the dyn_seed_provider value it implements.
	Name() string
	// Fetch returns the list; it returns by ctx's deadline at the latest.
	Fetch(ctx context.Context) (string, error)
}

// Provider names, as in `dyn_seed_provider`.
const (
	SimpleName  = "simple_provider"
	FloridaName = "florida_provider"
	DNSName     = "dns_provider"
)

// Options configure NewProvider.
type Options struct {
	// Provider is the dyn_seed_provider value. C compares prefixes
	// ("florida_provider" on 16 bytes, "dns_provider" on 12); any other
	// name is the simple provider.
	Provider string
	// Seeds are the YAML dyn_seeds, the simple provider's list.
	Seeds []conf.Seed
	// Getenv reads the DYNOMITE_FLORIDA_* and DYNOMITE_DNS_* variables; nil
	// means none is set.
	Getenv func(string) string
	// HTTPClient is florida's client; nil gives a plain one. Each fetch is
	// bounded by the context's deadline (the Poller's timeout).
	HTTPClient *http.Client
	// Resolver is the DNS provider's resolver; nil is net.DefaultResolver.
	Resolver *net.Resolver
	// DC, Port and Tokens are this node's datacenter, dyn_listen port and
	// tokens: the DNS provider's A mode gives every address them.
	DC     string
	Port   int
	Tokens []uint32
}

func (o Options) getenv(key, def string) string {
	if o.Getenv != nil {
		if v := o.Getenv(key); v != "" {
			return v
		}
	}
	return def
}

// NewProvider returns the provider that o.Provider names.
func NewProvider(o Options) (Provider, error) {
	switch {
	case strings.HasPrefix(o.Provider, FloridaName):
		return newFlorida(o)
	case strings.HasPrefix(o.Provider, DNSName):
		return newDNS(o)
	default:
		return newSimple(o.Seeds), nil
	}
}

// simple serves the YAML dyn_seeds: a fixed list.
type simple struct{ list string }

func newSimple(cs []conf.Seed) *simple {
	var b []byte
	for i, c := range cs {
		if i > 0 {
			b = append(b, '|')
		}
		b = seeds.AppendRecord(b, seeds.Seed{Host: c.Addr.Host, Port: c.Addr.Port, Rack: c.Rack, DC: c.DC, Tokens: c.Tokens})
	}
	return &simple{list: string(b)}
}

func (s *simple) Name() string                          { return SimpleName }
func (s *simple) Fetch(context.Context) (string, error) { return s.list, nil }

// Timeout returns the bound of one fetch for a node whose `timeout` is t:
// t itself, or 5 s when t is not positive.
func Timeout(t time.Duration) time.Duration {
	if t <= 0 {
		return 5 * time.Second
	}
	return t
}

func providerErr(name string, err error) error {
	return fmt.Errorf("cannot fetch seeds from %s: %w: %w", name, ErrProvider, err)
}
