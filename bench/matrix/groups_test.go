package matrix

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// TestSwapList: the readdressed list names the last seed at localhost,
// the others and the plain list unchanged.
func TestSwapList(t *testing.T) {
	seeds := []string{"127.0.0.1:1:rack2:dc1:0", "127.0.0.1:2:rack3:dc1:0"}
	if got, want := swapList(seeds, false), "127.0.0.1:1:rack2:dc1:0|127.0.0.1:2:rack3:dc1:0"; got != want {
		t.Fatalf("plain list %q; want %q", got, want)
	}
	if got, want := swapList(seeds, true), "127.0.0.1:1:rack2:dc1:0|localhost:2:rack3:dc1:0"; got != want {
		t.Fatalf("readdressed list %q; want %q", got, want)
	}
	if seeds[1] != "127.0.0.1:2:rack3:dc1:0" {
		t.Fatalf("swapList changed its input: %v", seeds)
	}
	if got := swapList(nil, true); got != "" {
		t.Fatalf("empty list %q", got)
	}
}

// TestFloridaServer: the service answers 503 until open, then the list,
// and with swap flips between the two addresses.
func TestFloridaServer(t *testing.T) {
	f, err := startFlorida([]string{"127.0.0.1:7:rack3:dc1:0"}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	get := func() (int, string) {
		r, err := http.Get("http://" + f.addr() + "/REST/v1/admin/get_seeds")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	if code, _ := get(); code != http.StatusServiceUnavailable {
		t.Fatalf("before open: %d; want 503", code)
	}
	f.open.Store(true)
	seen := map[string]bool{}
	deadline := time.Now().Add(5 * time.Second)
	for len(seen) < 2 && time.Now().Before(deadline) {
		code, body := get()
		if code != http.StatusOK {
			t.Fatalf("open: %d", code)
		}
		seen[body] = true
		time.Sleep(100 * time.Millisecond)
	}
	if !seen["127.0.0.1:7:rack3:dc1:0"] || !seen["localhost:7:rack3:dc1:0"] {
		t.Fatalf("lists served: %v; want both addresses", seen)
	}
	if f.swaps.Load() == 0 {
		t.Fatal("no change counted")
	}
}

// TestSwapReport: the ratio is swap-3 over flo-3 in the same rep, error
// replies of swap-3 make it miss the target.
func TestSwapReport(t *testing.T) {
	s := []sample{
		{Workload: "mix", Target: noSwapTarget, Rep: 1, Load: load{OpsSec: 100}},
		{Workload: "mix", Target: swapTarget, Rep: 1, Load: load{OpsSec: 98}},
	}
	r := swapReport(s, 5, 5)
	if r.Runs != 1 || r.Ratio != 0.98 || !r.Met || r.Swaps != 5 {
		t.Fatalf("report %+v; want 1 run, 0.98, met", r)
	}
	s[1].Load.Errors = 3
	if r := swapReport(s, 5, 5); r.Met || r.Errors != 3 {
		t.Fatalf("report with errors %+v; want 3 errors, not met", r)
	}
	s[1].Load = load{OpsSec: 90}
	if r := swapReport(s, 5, 5); r.Met {
		t.Fatalf("report at 0.90 %+v; want not met", r)
	}
	if r := swapReport(s[:1], 0, 0); r.Runs != 0 || r.Met {
		t.Fatalf("report without a pair %+v", r)
	}
	b, err := json.Marshal(swapReport(nil, 0, -1))
	if err != nil || !strings.Contains(string(b), `"ops_ratio":null`) {
		t.Fatalf("JSON without a pair: %s %v", b, err)
	}
}

// TestRestoreCommand: the command is RESP RESTORE key ttl payload REPLACE,
// PTTL's -1 becoming 0.
func TestRestoreCommand(t *testing.T) {
	for _, c := range []struct {
		ttl  int64
		want string
	}{{-1, "0"}, {-2, "0"}, {1500, "1500"}} {
		b := restoreCommand(nil, []byte("k"), c.ttl, []byte("\x00\x01p\r\n"))
		r, err := enginetest.ReadReply(bufio.NewReader(bytes.NewReader(b)))
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Elems) != 5 {
			t.Fatalf("elements %d; want 5", len(r.Elems))
		}
		got := []string{}
		for _, e := range r.Elems {
			got = append(got, string(e.Str))
		}
		want := []string{"RESTORE", "k", c.want, "\x00\x01p\r\n", "REPLACE"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("ttl %d: %q; want %q", c.ttl, got, want)
		}
	}
}

// TestLatencyHist: percentiles in milliseconds, by the microsecond below
// histFine, by the millisecond above, negative latencies at 0, the longest
// at histMax.
func TestLatencyHist(t *testing.T) {
	h := newLatencyHist()
	if got := h.percentile(50); got != 0 {
		t.Fatalf("empty percentile %v; want 0", got)
	}
	for i := 1; i <= 100; i++ {
		h.add(time.Duration(i) * time.Microsecond)
	}
	if got := h.percentile(50); got != 0.05 {
		t.Fatalf("p50 %v; want 0.05", got)
	}
	if got := h.percentile(99); got != 0.099 {
		t.Fatalf("p99 %v; want 0.099", got)
	}
	h = newLatencyHist()
	h.add(-time.Second)
	h.add(1500*time.Millisecond + 700*time.Microsecond)
	h.add(time.Hour)
	for p, want := range map[float64]float64{30: 0, 60: 1500, 100: 60000} {
		if got := h.percentile(p); got != want {
			t.Fatalf("p%v %v; want %v", p, got, want)
		}
	}
}

// TestSentAt: payloads are decimal Unix nanoseconds; anything else is
// refused.
func TestSentAt(t *testing.T) {
	now := time.Now()
	if at, ok := sentAt(nil); ok {
		t.Fatalf("empty payload accepted: %v", at)
	}
	at, ok := sentAt([]byte(strconv.FormatInt(now.UnixNano(), 10)))
	if !ok || !at.Equal(time.Unix(0, now.UnixNano())) {
		t.Fatalf("sentAt %v %v", at, ok)
	}
	for _, bad := range []string{"ready", "-5", "0", "123456789012345678901", "1e9"} {
		if _, ok := sentAt([]byte(bad)); ok {
			t.Fatalf("payload %q accepted", bad)
		}
	}
}

// TestShare: the publishers' parts add up to the total and differ by at
// most one.
func TestShare(t *testing.T) {
	for _, total := range []int{0, 1, 7, 99, 10000, 12345} {
		sum, lo, hi := 0, total, 0
		for p := 0; p < pubsubPublishers; p++ {
			n := share(total, p, pubsubPublishers)
			sum += n
			lo, hi = min(lo, n), max(hi, n)
		}
		if sum != total || hi-lo > 1 {
			t.Fatalf("total %d: parts add to %d, spread %d..%d", total, sum, lo, hi)
		}
	}
}

// TestInfoInt: a top-level integer is read; anything else is -1.
func TestInfoInt(t *testing.T) {
	for in, want := range map[string]int64{
		`{"ring_swaps":7,"x":1}`: 7,
		`{"ring_swaps":"7"}`:     -1,
		`{"other":7}`:            -1,
		`[1,2]`:                  -1,
		`garbage`:                -1,
	} {
		if got := infoInt(strings.NewReader(in), "ring_swaps"); got != want {
			t.Fatalf("%s: %d; want %d", in, got, want)
		}
	}
}
