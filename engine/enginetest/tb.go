package enginetest

// TB is the part of testing.TB the wrappers below use. Declaring it here keeps
// package testing out of binaries that link this package.
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Fatalf(format string, args ...any)
	Failed() bool
	Cleanup(func())
	TempDir() string
}

// Redis starts a redis-server for the test and stops it in Cleanup.
func Redis(tb TB) *Proc {
	tb.Helper()
	return RedisWith(tb, RedisOptions{})
}

// RedisWith is Redis with options. An empty opts.Dir uses tb.TempDir().
func RedisWith(tb TB, opts RedisOptions) *Proc {
	tb.Helper()
	if opts.Dir == "" {
		opts.Dir = tb.TempDir()
	}
	p, err := StartRedis(opts)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	closeOnCleanup(tb, p)
	return p
}

// Memcached starts a memcached for the test and stops it in Cleanup.
func Memcached(tb TB) *Proc {
	tb.Helper()
	return MemcachedWith(tb, MemcachedOptions{})
}

// MemcachedWith is Memcached with options. An empty opts.Dir uses tb.TempDir().
func MemcachedWith(tb TB, opts MemcachedOptions) *Proc {
	tb.Helper()
	if opts.Dir == "" {
		opts.Dir = tb.TempDir()
	}
	p, err := StartMemcached(opts)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	closeOnCleanup(tb, p)
	return p
}

// BuildDynomite returns the dynomite binary made by Build, failing the test
// when it cannot be built.
func BuildDynomite(tb TB) string {
	tb.Helper()
	bin, err := Build()
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return bin
}

// Node builds dynomite (once per process), starts it with cfg (empty listen
// addresses get free ports) and extra command-line args, and stops it in
// Cleanup.
func Node(tb TB, cfg NodeConfig, args ...string) *Proc {
	tb.Helper()
	bin := BuildDynomite(tb)
	p, err := startNode(tb.TempDir(), bin, cfg, args)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	closeOnCleanup(tb, p)
	return p
}

// NodeYAML is Node with the configuration given as YAML text.
func NodeYAML(tb TB, yaml string, args ...string) *Proc {
	tb.Helper()
	bin := BuildDynomite(tb)
	p, err := startDynomite(tb.TempDir(), bin, yaml, args)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	closeOnCleanup(tb, p)
	return p
}

// Proxy starts a redis-server and one dynomite node in front of it, both
// stopped in Cleanup. edit, when not nil, adjusts the configuration first.
func Proxy(tb TB, edit func(*NodeConfig), args ...string) (node, redis *Proc) {
	tb.Helper()
	redis = Redis(tb)
	cfg, err := SingleNode(redis)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	if edit != nil {
		edit(&cfg)
	}
	return Node(tb, cfg, args...), redis
}

// closeOnCleanup stops p when the test ends and, when the test failed, logs
// the tail of p's output.
func closeOnCleanup(tb TB, p *Proc) {
	tb.Cleanup(func() {
		if tb.Failed() {
			name := p.String()
			tb.Logf("%s output (tail):\n%s", name, p.Log())
			if p.Name == "dynomite" && p.Running() {
				tb.Logf("%s goroutines at the end of the failed test:\n%s", name, p.Stacks(32<<10, "dynomite-go/dynomite", "cloudwego/netpoll"))
			}
		}
		if err := p.Close(); err != nil {
			tb.Logf("%v", err)
		}
	})
}

// DialTB connects a Client to addr (a Proc's Addr or Socket) and closes it in
// Cleanup.
func DialTB(tb TB, addr string) *Client {
	tb.Helper()
	c, err := Dial(addr)
	if err != nil {
		tb.Fatalf("enginetest: dial %s: %v", addr, err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}
