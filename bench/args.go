package bench

import (
	"strconv"
	"strings"
	"time"
)

// Args renders the configuration back as memtier_benchmark arguments, so the
// same load can be given to memtier_benchmark itself or to this generator in
// another process.
func (c *Config) Args() []string {
	var a []string
	add := func(k, v string) { a = append(a, "--"+k+"="+v) }
	if c.UnixSocket != "" {
		add("unix-socket", c.UnixSocket)
	} else {
		add("server", c.Server)
		add("port", strconv.Itoa(c.Port))
	}
	add("protocol", c.Protocol)
	add("threads", strconv.Itoa(c.Threads))
	add("clients", strconv.Itoa(c.Clients))
	if c.TestTime > 0 {
		add("test-time", strconv.Itoa(int((c.TestTime+time.Second-1)/time.Second)))
	} else {
		add("requests", strconv.Itoa(c.Requests))
	}
	add("ratio", c.Ratio.String())
	add("pipeline", strconv.Itoa(c.Pipeline))
	if c.DataSizeMin > 0 {
		add("data-size-range", strconv.Itoa(c.DataSizeMin)+"-"+strconv.Itoa(c.DataSizeMax))
	} else {
		add("data-size", strconv.Itoa(c.DataSize))
	}
	add("key-prefix", c.KeyPrefix)
	if c.KeyMinimum > 0 {
		add("key-minimum", strconv.FormatUint(c.KeyMinimum, 10))
	}
	add("key-maximum", strconv.FormatUint(c.KeyMaximum, 10))
	add("key-pattern", string(c.KeyPattern[0])+":"+string(c.KeyPattern[1]))
	if c.DistinctClientSeed {
		a = append(a, "--distinct-client-seed")
	}
	if c.Randomize {
		a = append(a, "--randomize")
	}
	if c.HideHistogram {
		a = append(a, "--hide-histogram")
	}
	if c.JSONOutFile != "" {
		add("json-out-file", c.JSONOutFile)
	}
	a = c.appendTLSArgs(a)
	ps := make([]string, len(c.Percentiles))
	for i, p := range c.Percentiles {
		ps[i] = strconv.FormatFloat(p, 'f', -1, 64)
	}
	add("print-percentiles", strings.Join(ps, ","))
	return a
}

// Usage is the help text printed for -h.
const Usage = `Usage: dynomite-bench [options]
       dynomite-bench matrix [matrix options]   (run with -h for its options)
       dynomite-bench soak [soak options]       (one node for minutes: RSS peak and flatness)
       dynomite-bench floor [floor options]     (the smallest forwarder, run by matrix)
       dynomite-bench perf [perf options]
A memcache/redis load generator with memtier_benchmark's options.

Connection:
  -s, --server=ADDR          Server address (default: localhost)
  -p, --port=PORT            Server port (default: 6379)
  -S, --unix-socket=SOCKET   UNIX domain socket name (default: none)
  -P, --protocol=PROTOCOL    redis (default) or memcache_text
      --json-out-file=FILE   Write memtier's JSON result layout to FILE
      --hide-histogram       Don't print the latency distribution
      --print-percentiles=L  Percentiles in the table (default: 50,99,99.9)
Test:
  -n, --requests=NUMBER      Requests per client (default: 10000), or 'allkeys'
  -c, --clients=NUMBER       Clients per thread (default: 50)
  -t, --threads=NUMBER       Threads (default: 4)
      --test-time=SECS       Run for SECS seconds instead of -n
      --max-time=SECS        Hard time bound of a -n run (default: 600)
      --ratio=SET:GET        Set:Get ratio (default: 1:10)
      --pipeline=NUMBER      Requests in flight per client (default: 1)
      --distinct-client-seed Different random seed for each client
      --randomize            Seed from the clock (default is a constant seed)
Objects:
  -d, --data-size=SIZE       Value size (default: 32)
      --data-size-range=A-B  Random value size between A and B
Keys:
      --key-prefix=PREFIX    Key prefix (default: "memtier-")
      --key-minimum=NUMBER   Key ID minimum (default: 0)
      --key-maximum=NUMBER   Key ID maximum (default: 10000000)
      --key-pattern=SET:GET  R uniform random, G Gaussian, S sequential,
                             P parallel (sequential over each client's slice)
      --key-stddev=F         Gaussian standard deviation (default: range/6)
      --key-median=F         Gaussian median (default: centre of the range)
TLS:
      --tls                  TLS on every connection
      --cacert=FILE          CA bundle that verifies the server
      --cert=FILE, --key=FILE  client certificate and key
      --tls-skip-verify      Do not verify the server's certificate
      --sni=NAME             Server name sent and verified
`
