package bench

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseDefaults(t *testing.T) {
	c, err := Parse(nil)
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	want := DefaultConfig()
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("unexpected defaults; got %+v; want %+v", c, want)
	}
	if c.KeyPrefix != "memtier-" || c.Threads != 4 || c.Clients != 50 || c.Requests != 10000 ||
		c.Ratio != (Ratio{1, 10}) || c.DataSize != 32 || c.KeyMaximum != 10000000 ||
		!reflect.DeepEqual(c.Percentiles, []float64{50, 99, 99.9}) {
		t.Fatalf("unexpected memtier defaults; got %+v", c)
	}
}

func TestParseForms(t *testing.T) {
	f := func(args string, check func(c Config) bool) {
		t.Helper()
		c, err := Parse(strings.Fields(args))
		if err != nil {
			t.Fatalf("unexpected error for %q: %v", args, err)
		}
		if !check(c) {
			t.Fatalf("unexpected config for %q; got %+v", args, c)
		}
	}
	f("-s 127.0.0.2 -p 7000", func(c Config) bool { return c.Server == "127.0.0.2" && c.Port == 7000 })
	f("--server=h --port=7001", func(c Config) bool { return c.Server == "h" && c.Port == 7001 })
	f("--server h --port 7002", func(c Config) bool { return c.Server == "h" && c.Port == 7002 })
	f("-t2 -c25 -n100", func(c Config) bool { return c.Threads == 2 && c.Clients == 25 && c.Requests == 100 })
	f("--test-time=5", func(c Config) bool { return c.TestTime == 5*time.Second && c.Requests == 0 })
	f("--ratio=1:1 --pipeline=16", func(c Config) bool { return c.Ratio == Ratio{1, 1} && c.Pipeline == 16 })
	f("--ratio 0:1", func(c Config) bool { return c.Ratio == Ratio{0, 1} })
	f("-d 1024", func(c Config) bool { return c.DataSize == 1024 })
	f("--data-size-range=10-100", func(c Config) bool { return c.DataSize == 0 && c.DataSizeMin == 10 && c.DataSizeMax == 100 })
	f("--key-prefix=k: --key-minimum=5 --key-maximum=9", func(c Config) bool {
		return c.KeyPrefix == "k:" && c.KeyMinimum == 5 && c.KeyMaximum == 9
	})
	f("--key-pattern=S:G", func(c Config) bool { return c.KeyPattern == [2]byte{'S', 'G'} })
	f("--key-pattern=P:P --key-maximum=99 -t 2 -c 5 -n allkeys", func(c Config) bool { return c.Requests == 99/10+1 })
	f("--key-maximum=99 -n allkeys", func(c Config) bool { return c.Requests == 99 })
	f("--distinct-client-seed --randomize --hide-histogram", func(c Config) bool {
		return c.DistinctClientSeed && c.Randomize && c.HideHistogram && c.Seed != 0
	})
	f("--json-out-file=/tmp/x.json", func(c Config) bool { return c.JSONOutFile == "/tmp/x.json" })
	f("--print-percentiles=50,90,99.99", func(c Config) bool { return reflect.DeepEqual(c.Percentiles, []float64{50, 90, 99.99}) })
	f("-S /tmp/r.sock", func(c Config) bool { return c.UnixSocket == "/tmp/r.sock" })
	f("-P memcache_text", func(c Config) bool { return c.Protocol == ProtoMemcacheText })
	f("--protocol=redis", func(c Config) bool { return c.Protocol == ProtoRedis })
}

func TestParseErrors(t *testing.T) {
	f := func(args, want string) {
		t.Helper()
		_, err := Parse(strings.Fields(args))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("unexpected error for %q; got %v; want it to contain %q", args, err, want)
		}
	}
	f("--test-time=5 -n 10", "mutually exclusive")
	f("-n 10 --test-time 5", "mutually exclusive")
	f("-d 32 --data-size-range=1-5", "data-size cannot be used")
	f("-S /tmp/s -p 6379", "cannot be used together")
	f("-p 0", "port must be")
	f("-p 70000", "port must be")
	f("-P memcache_binary", "supported protocols")
	f("-t 0", "threads must be greater than zero")
	f("-c x", "clients must be greater than zero")
	f("--ratio=1", "ratio must be")
	f("--ratio=0:0", "ratio must be")
	f("--key-pattern=X:R", "key-pattern must be")
	f("--key-pattern=RR", "key-pattern must be")
	f("--data-size-range=5-1", "data-size-range")
	f("--print-percentiles=50,101", "print-percentiles")
	f("--key-minimum=10 --key-maximum=5", "key-minimum")
	f("--nope", "unknown option")
	f("extra", "unexpected argument")
	f("--server", "requires a value")
	f("--hide-histogram=1", "takes no value")
}

func TestArgsRoundTrip(t *testing.T) {
	in := "--server=127.0.0.1 --port=7000 --threads=2 --clients=25 --test-time=5 --ratio=1:10 --pipeline=16 " +
		"--data-size=1024 --key-prefix=p- --key-minimum=3 --key-maximum=1000 --key-pattern=G:S --distinct-client-seed " +
		"--hide-histogram --print-percentiles=50,99,99.9"
	c, err := Parse(strings.Fields(in))
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	back, err := Parse(c.Args())
	if err != nil {
		t.Fatalf("unexpected error re-parsing %v: %v", c.Args(), err)
	}
	if !reflect.DeepEqual(c, back) {
		t.Fatalf("unexpected round trip; got %+v; want %+v", back, c)
	}
}
