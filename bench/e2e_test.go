package bench

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// info returns the fields of one INFO section as a map.
func info(t *testing.T, c *enginetest.Client, section string) map[string]string {
	t.Helper()
	r, err := c.Do("INFO", section)
	if err != nil || r.IsError() {
		t.Fatalf("cannot read INFO %s: %v %v", section, err, r)
	}
	m := map[string]string{}
	for _, l := range strings.Split(string(r.Str), "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			m[k] = v
		}
	}
	return m
}

// calls extracts calls=N from a commandstats value ("calls=3,usec=...").
func calls(stat string) int64 {
	for _, f := range strings.Split(stat, ",") {
		if v, ok := strings.CutPrefix(f, "calls="); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

func TestRunAgainstRedis(t *testing.T) {
	rs := enginetest.Redis(t)
	admin := enginetest.DialTB(t, rs.Addr)
	if r, err := admin.Do("CONFIG", "RESETSTAT"); err != nil || r.IsError() {
		t.Fatalf("cannot reset stats: %v %v", err, r)
	}
	before, _ := strconv.ParseInt(info(t, admin, "stats")["total_commands_processed"], 10, 64)

	// A time-bounded run (about 2 s) with every moving part: two threads,
	// pipelining, a 1:3 ratio, a small key range so gets hit.
	cfg := DefaultConfig()
	cfg.Server, cfg.Port = "127.0.0.1", rs.Port
	cfg.Threads, cfg.Clients, cfg.Pipeline = 2, 3, 4
	cfg.Requests, cfg.TestTime = 0, 2*time.Second
	cfg.Ratio = Ratio{1, 3}
	cfg.KeyMaximum = 500
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("cannot run: %v", err)
	}
	after, _ := strconv.ParseInt(info(t, admin, "stats")["total_commands_processed"], 10, 64)
	cs := info(t, admin, "commandstats")
	sets, gets := calls(cs["cmdstat_set"]), calls(cs["cmdstat_get"])
	if res.Sets.Count != sets || res.Gets.Count != gets {
		t.Fatalf("unexpected counts; generator sets/gets %d/%d; redis %d/%d", res.Sets.Count, res.Gets.Count, sets, gets)
	}
	// The delta also holds our one INFO command (CONFIG RESETSTAT runs before the count restarts).
	if d := after - before - 1; d != res.Totals.Count {
		t.Fatalf("unexpected total; generator %d; redis processed %d", res.Totals.Count, d)
	}
	if res.Totals.Count < 100 || res.Totals.Errors != 0 {
		t.Fatalf("unexpected run: %d requests, %d errors", res.Totals.Count, res.Totals.Errors)
	}
	if res.Duration < 2*time.Second || res.Duration > 2*time.Second+grace {
		t.Fatalf("unexpected duration %v; want about 2 s", res.Duration)
	}
	// With 1:3, sets are a quarter of each client's requests, give or take the
	// last, partial period of 1 set and up to 2 gets: 3/4 of a request per client.
	if d := float64(res.Sets.Count) - float64(res.Totals.Count)/4; d < -4.5 || d > 4.5 {
		t.Fatalf("unexpected set count %d of %d; want a quarter within 4.5", res.Sets.Count, res.Totals.Count)
	}
	hs := info(t, admin, "stats")
	hits, _ := strconv.ParseInt(hs["keyspace_hits"], 10, 64)
	misses, _ := strconv.ParseInt(hs["keyspace_misses"], 10, 64)
	secs := res.Duration.Seconds()
	if got := int64(res.Gets.HitsSec*secs + 0.5); got != hits {
		t.Fatalf("unexpected hits; generator %d; redis %d", got, hits)
	}
	if got := int64(res.Gets.MissesSec*secs + 0.5); got != misses {
		t.Fatalf("unexpected misses; generator %d; redis %d", got, misses)
	}
	if p50, p99 := res.Totals.Percentile(50), res.Totals.Percentile(99); !(p50 > 0 && p50 <= p99) {
		t.Fatalf("unexpected percentiles p50 %v p99 %v", p50, p99)
	}
}

func TestRunRequestsAgainstRedis(t *testing.T) {
	rs := enginetest.Redis(t)
	admin := enginetest.DialTB(t, rs.Addr)
	cfg := DefaultConfig()
	cfg.Server, cfg.Port = "127.0.0.1", rs.Port
	cfg.Threads, cfg.Clients, cfg.Requests = 2, 2, 250
	cfg.Ratio = Ratio{1, 1}
	cfg.KeyPattern = [2]byte{'P', 'P'}
	cfg.KeyMaximum = 999
	cfg.DataSizeMin, cfg.DataSizeMax, cfg.DataSize = 10, 20, 0
	var tally Tally
	if n := tally.Ops(); n != 0 {
		t.Fatalf("unexpected count %d before the run", n)
	}
	res, err := RunTally(context.Background(), cfg, nil, &tally)
	if err != nil {
		t.Fatalf("cannot run: %v", err)
	}
	if res.Totals.Count != 1000 || res.Sets.Count != 500 {
		t.Fatalf("unexpected counts; got %d total, %d sets; want 1000, 500", res.Totals.Count, res.Sets.Count)
	}
	if n := tally.Ops(); n != res.Totals.Count {
		t.Fatalf("unexpected tally %d; want %d", n, res.Totals.Count)
	}
	// P:P with 4 clients over [0, 999]: each client sets the first 125 keys of its slice of 250.
	if n, _ := admin.Do("DBSIZE"); n.Int != 500 {
		t.Fatalf("unexpected DBSIZE; got %d; want 500", n.Int)
	}
	// Gets walk the same slices after the sets, so every one hits.
	if res.Gets.MissesSec != 0 {
		t.Fatalf("unexpected misses: %v/s", res.Gets.MissesSec)
	}
	n, _ := admin.Do("STRLEN", "memtier-250")
	if n.Int < 10 || n.Int > 20 {
		t.Fatalf("unexpected value size %d; want 10..20", n.Int)
	}
}

func TestRunAgainstMemcached(t *testing.T) {
	mc := enginetest.Memcached(t)
	cfg := DefaultConfig()
	cfg.Server, cfg.Port, cfg.Protocol = "127.0.0.1", mc.Port, ProtoMemcacheText
	cfg.Threads, cfg.Clients, cfg.Requests, cfg.Pipeline = 1, 2, 300, 8
	cfg.Ratio = Ratio{1, 1}
	cfg.KeyPattern = [2]byte{'S', 'S'}
	cfg.KeyMaximum = 99
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("cannot run: %v", err)
	}
	if res.Totals.Count != 600 || res.Totals.Errors != 0 {
		t.Fatalf("unexpected run: %d requests, %d errors; want 600, 0", res.Totals.Count, res.Totals.Errors)
	}
	c := enginetest.DialTB(t, mc.Addr)
	if err := c.WriteRaw([]byte("stats\r\n")); err != nil {
		t.Fatalf("cannot ask stats: %v", err)
	}
	_ = c.Flush()
	buf := make([]byte, 8192)
	_ = c.Conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var text string
	for !strings.HasSuffix(text, "END\r\n") {
		n, err := c.Conn.Read(buf)
		if err != nil {
			t.Fatalf("cannot read stats: %v", err)
		}
		text += string(buf[:n])
	}
	stat := func(k string) int64 {
		for _, l := range strings.Split(text, "\r\n") {
			if v, ok := strings.CutPrefix(l, "STAT "+k+" "); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n
			}
		}
		return -1
	}
	secs := res.Duration.Seconds()
	if stat("cmd_set") != res.Sets.Count || stat("cmd_get") != res.Gets.Count {
		t.Fatalf("unexpected counts; memcached set/get %d/%d; generator %d/%d", stat("cmd_set"), stat("cmd_get"), res.Sets.Count, res.Gets.Count)
	}
	if hits := int64(res.Gets.HitsSec*secs + 0.5); hits != stat("get_hits") {
		t.Fatalf("unexpected hits; memcached %d; generator %d", stat("get_hits"), hits)
	}
}

func TestRunDialError(t *testing.T) {
	port, err := enginetest.FreePort()
	if err != nil {
		t.Fatalf("cannot get a port: %v", err)
	}
	cfg := DefaultConfig()
	cfg.Server, cfg.Port, cfg.Threads, cfg.Clients = "127.0.0.1", port, 1, 1
	if _, err := Run(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "cannot connect") {
		t.Fatalf("unexpected error; got %v; want a connect error", err)
	}
}

func TestRunCountsErrorReplies(t *testing.T) {
	// memcached refuses keys over 250 bytes with one CLIENT_ERROR line per get.
	mc := enginetest.Memcached(t)
	cfg := DefaultConfig()
	cfg.Server, cfg.Port, cfg.Protocol = "127.0.0.1", mc.Port, ProtoMemcacheText
	cfg.Threads, cfg.Clients, cfg.Requests = 1, 1, 5
	cfg.Ratio = Ratio{0, 1}
	cfg.KeyPrefix = strings.Repeat("k", 260)
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("cannot run: %v", err)
	}
	if res.Totals.Errors != 5 || !strings.HasPrefix(res.FirstError, "CLIENT_ERROR") {
		t.Fatalf("unexpected errors; got %d, first %q; want 5 CLIENT_ERROR", res.Totals.Errors, res.FirstError)
	}
}
