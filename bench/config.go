package bench

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Protocols understood by the generator (memtier's names).
const (
	ProtoRedis        = "redis"
	ProtoMemcacheText = "memcache_text"
)

// Key patterns (memtier's letters): uniform Random, Gaussian, Sequential,
// Parallel (sequential over a per-client slice of the key range).
const (
	PatternRandom     = 'R'
	PatternGaussian   = 'G'
	PatternSequential = 'S'
	PatternParallel   = 'P'
)

// Config is one load: memtier_benchmark's options with its defaults.
// The zero value is not usable; start from DefaultConfig or Parse.
type Config struct {
	Server     string // -s, --server
	Port       int    // -p, --port
	UnixSocket string // -S, --unix-socket; exclusive with Server/Port
	Protocol   string // -P, --protocol: redis or memcache_text

	Threads  int           // -t, --threads
	Clients  int           // -c, --clients (per thread)
	Requests int           // -n, --requests per client; 0 when TestTime is set
	TestTime time.Duration // --test-time (whole seconds in memtier)
	MaxTime  time.Duration // --max-time: hard bound of a -n run (not in memtier)
	Ratio    Ratio         // --ratio SET:GET
	Pipeline int           // --pipeline

	DataSize    int // -d, --data-size
	DataSizeMin int // --data-size-range min (0 = fixed DataSize)
	DataSizeMax int // --data-size-range max

	KeyPrefix  string  // --key-prefix
	KeyMinimum uint64  // --key-minimum
	KeyMaximum uint64  // --key-maximum
	KeyPattern [2]byte // --key-pattern SET:GET letters
	KeyStddev  float64 // --key-stddev (0 = range/6)
	KeyMedian  float64 // --key-median (0 = centre of the range)

	DistinctClientSeed bool      // --distinct-client-seed
	Randomize          bool      // --randomize
	Seed               uint64    // base seed: constant unless Randomize
	HideHistogram      bool      // --hide-histogram
	JSONOutFile        string    // --json-out-file
	Percentiles        []float64 // --print-percentiles

	// TLS (tls.go): TLS on every connection, as memtier's --tls.
	TLS           bool   // --tls
	TLSCACert     string // --cacert: PEM CA bundle that verifies the server
	TLSCert       string // --cert: PEM client certificate (with TLSKey)
	TLSKey        string // --key
	TLSSkipVerify bool   // --tls-skip-verify
	TLSServerName string // --sni
}

// DefaultConfig returns memtier_benchmark's defaults.
func DefaultConfig() Config {
	return Config{
		Server:      "localhost",
		Port:        6379,
		Protocol:    ProtoRedis,
		Threads:     4,
		Clients:     50,
		Requests:    10000,
		MaxTime:     10 * time.Minute,
		Ratio:       Ratio{Set: 1, Get: 10},
		Pipeline:    1,
		DataSize:    32,
		KeyPrefix:   "memtier-",
		KeyMinimum:  0,
		KeyMaximum:  10000000,
		KeyPattern:  [2]byte{'R', 'R'},
		Percentiles: []float64{50, 99, 99.9},
	}
}

// option is one row of the flag table: long name, short letter (0 if none),
// whether it takes a value, and how to apply it.
type option struct {
	long  string
	short byte
	arg   bool
	set   func(c *Config, st *parseState, v string) error
}

// parseState remembers what was given explicitly, for memtier's exclusivity rules.
type parseState struct {
	requests, testTime, server, port, dataSize, dataRange bool
}

var options = []option{
	{"server", 's', true, func(c *Config, st *parseState, v string) error { c.Server, st.server = v, true; return nil }},
	{"port", 'p', true, setPort},
	{"unix-socket", 'S', true, func(c *Config, _ *parseState, v string) error { c.UnixSocket = v; return nil }},
	{"protocol", 'P', true, setProtocol},
	{"threads", 't', true, positive("threads", func(c *Config, n uint64) { c.Threads = int(n) })},
	{"clients", 'c', true, positive("clients", func(c *Config, n uint64) { c.Clients = int(n) })},
	{"requests", 'n', true, setRequests},
	{"test-time", 0, true, setTestTime},
	{"max-time", 0, true, positive("max-time", func(c *Config, n uint64) { c.MaxTime = time.Duration(n) * time.Second })},
	{"ratio", 0, true, func(c *Config, _ *parseState, v string) error { return parseInto(&c.Ratio, v) }},
	{"pipeline", 0, true, positive("pipeline", func(c *Config, n uint64) { c.Pipeline = int(n) })},
	{"data-size", 'd', true, func(c *Config, st *parseState, v string) error {
		st.dataSize = true
		return positive("data-size", func(c *Config, n uint64) { c.DataSize = int(n) })(c, st, v)
	}},
	{"data-size-range", 0, true, setDataSizeRange},
	{"key-prefix", 0, true, func(c *Config, _ *parseState, v string) error { c.KeyPrefix = v; return nil }},
	{"key-minimum", 0, true, positive("key-minimum", func(c *Config, n uint64) { c.KeyMinimum = n })},
	{"key-maximum", 0, true, positive("key-maximum", func(c *Config, n uint64) { c.KeyMaximum = n })},
	{"key-pattern", 0, true, setKeyPattern},
	{"key-stddev", 0, true, positiveFloat("key-stddev", func(c *Config, f float64) { c.KeyStddev = f })},
	{"key-median", 0, true, positiveFloat("key-median", func(c *Config, f float64) { c.KeyMedian = f })},
	{"distinct-client-seed", 0, false, func(c *Config, _ *parseState, _ string) error { c.DistinctClientSeed = true; return nil }},
	{"randomize", 0, false, func(c *Config, _ *parseState, _ string) error { c.Randomize = true; return nil }},
	{"hide-histogram", 0, false, func(c *Config, _ *parseState, _ string) error { c.HideHistogram = true; return nil }},
	{"json-out-file", 0, true, func(c *Config, _ *parseState, v string) error { c.JSONOutFile = v; return nil }},
	{"print-percentiles", 0, true, setPercentiles},
	{"tls", 0, false, func(c *Config, _ *parseState, _ string) error { c.TLS = true; return nil }},
	{"cacert", 0, true, func(c *Config, _ *parseState, v string) error { c.TLSCACert = v; return nil }},
	{"cert", 0, true, func(c *Config, _ *parseState, v string) error { c.TLSCert = v; return nil }},
	{"key", 0, true, func(c *Config, _ *parseState, v string) error { c.TLSKey = v; return nil }},
	{"tls-skip-verify", 0, false, func(c *Config, _ *parseState, _ string) error { c.TLSSkipVerify = true; return nil }},
	{"sni", 0, true, func(c *Config, _ *parseState, v string) error { c.TLSServerName = v; return nil }},
	{"help", 'h', false, func(*Config, *parseState, string) error { return ErrHelp }},
}

// Parse reads memtier-style arguments: --name=value, --name value, -x value
// and -xvalue. It applies memtier's defaults and its rules (--test-time and
// --requests are exclusive, --data-size and --data-size-range are exclusive,
// a Unix socket excludes --server/--port).
func Parse(args []string) (Config, error) {
	c := DefaultConfig()
	var st parseState
	for i := 0; i < len(args); i++ {
		a := args[i]
		var o *option
		var val string
		hasVal := false
		switch {
		case strings.HasPrefix(a, "--"):
			name := a[2:]
			if k := strings.IndexByte(name, '='); k >= 0 {
				name, val, hasVal = name[:k], name[k+1:], true
			}
			o = lookupLong(name)
		case len(a) >= 2 && a[0] == '-':
			o = lookupShort(a[1])
			if len(a) > 2 {
				val, hasVal = a[2:], true
			}
		default:
			return c, fmt.Errorf("error: unexpected argument %q", a)
		}
		if o == nil {
			return c, fmt.Errorf("error: unknown option %q", a)
		}
		if o.arg && !hasVal {
			if i+1 >= len(args) {
				return c, fmt.Errorf("error: option %q requires a value", a)
			}
			i++
			val = args[i]
		} else if !o.arg && hasVal {
			return c, fmt.Errorf("error: option %q takes no value", a)
		}
		if err := o.set(&c, &st, val); err != nil {
			return c, err
		}
	}
	return c, c.finish(st)
}

// finish applies the rules that depend on several options.
func (c *Config) finish(st parseState) error {
	if st.requests && st.testTime {
		return errors.New("error: --test-time and --requests are mutually exclusive")
	}
	if st.testTime {
		c.Requests = 0
	}
	if st.dataSize && st.dataRange {
		return errors.New("error: data-size cannot be used with data-size-list or data-size-range")
	}
	if st.dataRange {
		c.DataSize = 0
	}
	if c.UnixSocket != "" && (st.server || st.port) {
		return errors.New("error: UNIX domain socket and TCP cannot be used together")
	}
	if c.KeyMinimum > c.KeyMaximum {
		return errors.New("error: key-minimum must be less than key-maximum")
	}
	if c.Requests < 0 {
		// -n allkeys: the whole key range, split between clients for P:P.
		c.Requests = int(c.KeyMaximum - c.KeyMinimum)
		if c.KeyPattern == [2]byte{'P', 'P'} {
			c.Requests = c.Requests/(c.Clients*c.Threads) + 1
		}
	}
	if c.Randomize {
		c.Seed = uint64(time.Now().UnixNano())
	}
	return nil
}

func lookupLong(name string) *option {
	for i := range options {
		if options[i].long == name {
			return &options[i]
		}
	}
	return nil
}

func lookupShort(b byte) *option {
	for i := range options {
		if options[i].short == b && b != 0 {
			return &options[i]
		}
	}
	return nil
}

func positive(name string, apply func(*Config, uint64)) func(*Config, *parseState, string) error {
	return func(c *Config, _ *parseState, v string) error {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return fmt.Errorf("error: %s must be greater than zero", name)
		}
		apply(c, n)
		return nil
	}
}

func positiveFloat(name string, apply func(*Config, float64)) func(*Config, *parseState, string) error {
	return func(c *Config, _ *parseState, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			return fmt.Errorf("error: %s must be greater than zero", name)
		}
		apply(c, f)
		return nil
	}
}

func setPort(c *Config, st *parseState, v string) error {
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n == 0 || n > 65535 {
		return errors.New("error: port must be a number in the range [1-65535]")
	}
	c.Port, st.port = int(n), true
	return nil
}

func setProtocol(c *Config, _ *parseState, v string) error {
	if v != ProtoRedis && v != ProtoMemcacheText {
		return errors.New("error: supported protocols are 'memcache_text' and 'redis'")
	}
	c.Protocol = v
	return nil
}

func setRequests(c *Config, st *parseState, v string) error {
	st.requests = true
	if v == "allkeys" {
		c.Requests = -1
		return nil
	}
	n, err := strconv.ParseUint(v, 10, 31)
	if err != nil || n == 0 {
		return errors.New("error: requests must be greater than zero")
	}
	c.Requests = int(n)
	return nil
}

func setTestTime(c *Config, st *parseState, v string) error {
	n, err := strconv.ParseUint(v, 10, 31)
	if err != nil || n == 0 {
		return errors.New("error: test time must be greater than zero")
	}
	c.TestTime, st.testTime = time.Duration(n)*time.Second, true
	return nil
}

func setDataSizeRange(c *Config, st *parseState, v string) error {
	lo, hi, ok := strings.Cut(v, "-")
	a, err1 := strconv.ParseUint(lo, 10, 31)
	b, err2 := strconv.ParseUint(hi, 10, 31)
	if !ok || err1 != nil || err2 != nil || a < 1 || b < a {
		return errors.New("error: data-size-range must be expressed as [1-n]-[1-n]")
	}
	c.DataSizeMin, c.DataSizeMax, st.dataRange = int(a), int(b), true
	return nil
}

func setKeyPattern(c *Config, _ *parseState, v string) error {
	valid := func(b byte) bool {
		return b == PatternRandom || b == PatternGaussian || b == PatternSequential || b == PatternParallel
	}
	if len(v) != 3 || v[1] != ':' || !valid(v[0]) || !valid(v[2]) {
		return errors.New("error: key-pattern must be in the format of [S/R/G/P]:[S/R/G/P]")
	}
	c.KeyPattern = [2]byte{v[0], v[2]}
	return nil
}

func setPercentiles(c *Config, _ *parseState, v string) error {
	var ps []float64
	for _, f := range strings.Split(v, ",") {
		p, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || p < 0 || p > 100 {
			//lint:ignore ST1005 memtier_benchmark's own message
			return errors.New("error: print-percentiles must be expressed as [0.0-100.0],[0.0-100.0],...")
		}
		ps = append(ps, p)
	}
	c.Percentiles = ps
	return nil
}
