package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// The swap group (-swap): a ring swap every second under load (issue 14's
// speed target), next to the same cluster without swaps.
//
//	target   what runs
//	flo-3    3 racks x 1 node, DC_QUORUM; the node the load talks to is
//	         `dynomite-bench node` (this executable, the engine in process)
//	         with florida_provider polled every second, the bench serving
//	         florida with a list that never changes
//	swap-3   flo-3, but the list names rack 3's node alternately as
//	         127.0.0.1:P and localhost:P, one change a second: a readdress,
//	         so every poll publishes a new ring with new peer links
//
// The report gives, on the 2 x 25 mix, the median over reps of the same-rep
// ratio swap-3 / flo-3 (target >= 0.97) and the error replies swap-3's
// clients got (lost requests; target 0).

const (
	swapTarget   = "swap-3"
	noSwapTarget = "flo-3"
	swapFloor    = 0.97
	swapPeriod   = time.Second
)

// swapSpecs returns the targets of the swap group.
func swapSpecs(bin string) []spec {
	if bin == "" {
		return nil
	}
	return []spec{
		{name: noSwapTarget, desc: "3 racks x 1 node, DC_QUORUM, florida seeds polled every second, no change", kind: floridaNodes,
			bin: bin, racks: 3, consistency: "DC_QUORUM"},
		{name: swapTarget, desc: "flo-3 with rack 3's node readdressed every second (a ring swap)", kind: floridaNodes,
			bin: bin, racks: 3, consistency: "DC_QUORUM", twin: noSwapTarget, swap: true},
	}
}

// swapList renders the florida seed list of seeds ("host:port:rack:dc:
// tokens" each), pipe-joined; with readdress the last seed's host 127.0.0.1
// is written localhost (the same node at another address for the ring).
func swapList(seeds []string, readdress bool) string {
	out := append([]string(nil), seeds...)
	if readdress && len(out) > 0 {
		last := len(out) - 1
		if rest, ok := strings.CutPrefix(out[last], "127.0.0.1:"); ok {
			out[last] = "localhost:" + rest
		}
	}
	return strings.Join(out, "|")
}

// floridaServer serves a seed list on loopback; with swap it flips the
// list's readdress every swapPeriod.
type floridaServer struct {
	seeds []string
	// open: the list is served; before, the service answers 503.
	open  atomic.Bool
	flip  atomic.Bool
	swaps atomic.Int64
	srv   *http.Server
	ln    net.Listener
	stop  chan struct{}
	wg    sync.WaitGroup
}

func startFlorida(seeds []string, swap bool) (*floridaServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cannot listen for the florida service: %w", err)
	}
	f := &floridaServer{seeds: seeds, ln: ln, stop: make(chan struct{})}
	f.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.open.Load() {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, swapList(f.seeds, f.flip.Load()))
	})}
	f.wg.Add(1)
	go func() { defer f.wg.Done(); _ = f.srv.Serve(ln) }()
	if swap {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			tk := time.NewTicker(swapPeriod)
			defer tk.Stop()
			for {
				select {
				case <-f.stop:
					return
				case <-tk.C:
					f.flip.Store(!f.flip.Load())
					f.swaps.Add(1)
				}
			}
		}()
	}
	return f, nil
}

func (f *floridaServer) addr() string { return f.ln.Addr().String() }

func (f *floridaServer) close() error {
	close(f.stop)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := f.srv.Shutdown(ctx)
	f.wg.Wait()
	return err
}

// startFloridaTarget starts a 3-rack cluster whose first node (the one
// the load talks to) is `dynomite-bench node` taking its peers from a
// florida service served here; the others are ordinary nodes (bin).
func startFloridaTarget(s spec, redisPath, tmp string) (*target, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	t := &target{name: s.name, desc: s.desc}
	cfgs, err := t.clusterStores(s.racks, s.consistency, nil, redisPath)
	if err != nil {
		return nil, err
	}
	fl, err := startFlorida(cfgs[0].DynSeeds, s.swap)
	if err != nil {
		return nil, errors.Join(err, t.stop())
	}
	t.onStop = fl.close
	t.swaps = &fl.swaps
	cfgs[0].DynSeeds = nil
	cfgs[0].Extra = maps.Clone(cfgs[0].Extra) // Cluster may share one map
	cfgs[0].Extra["dyn_seed_provider"] = "florida_provider"
	script := filepath.Join(tmp, s.name+"-node.sh")
	body := fmt.Sprintf("#!/bin/sh\nexec %q node -seed-interval %s -florida %s \"$@\"\n", exe, swapPeriod, fl.addr())
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		return nil, errors.Join(fmt.Errorf("cannot write %s: %w", script, err), t.stop())
	}
	for i := range cfgs {
		bin := s.bin
		if i == 0 {
			bin = script
		}
		n, err := enginetest.StartNode(bin, cfgs[i])
		if err != nil {
			return nil, errors.Join(fmt.Errorf("cannot start dynomite node %d: %w", i+1, err), t.stop())
		}
		t.all = append(t.all, n)
		t.measured = append(t.measured, n)
		// The list is served once the node serves clients (JOINING), as a
		// provider that comes up after the node.
		fl.open.Store(true)
	}
	t.port = t.measured[0].Port
	return t, nil
}

// swapRow is the swap report.
type swapRow struct {
	Runs   int     `json:"runs"`
	Ratio  float64 `json:"ops_ratio"` // median over reps of ops/s(swap-3) / ops/s(flo-3)
	Floor  float64 `json:"target_ratio"`
	Errors int64   `json:"errors"` // error replies of swap-3's runs (lost requests)
	Swaps  int64   `json:"swaps"`  // list changes served during the whole run
	// RingSwaps is the node's ring_swaps (/info) at the end: rings it
	// published after the first; -1 when unknown.
	RingSwaps int64 `json:"ring_swaps"`
	Met       bool  `json:"met"`
}

// MarshalJSON writes a ratio without a pair of runs as null.
func (r swapRow) MarshalJSON() ([]byte, error) {
	type plain swapRow
	return json.Marshal(struct {
		plain
		Ratio *float64 `json:"ops_ratio"`
	}{plain(r), finite(r.Ratio)})
}

// swapReport computes the swap row from samples.
func swapReport(samples []sample, swaps, ringSwaps int64) swapRow {
	r, n := pairRatio(samples, secureWorkload, swapTarget, noSwapTarget)
	row := swapRow{Runs: n, Ratio: r, Floor: swapFloor, Swaps: swaps, RingSwaps: ringSwaps}
	failed := false
	for _, s := range samples {
		if s.Target == swapTarget && s.Workload == secureWorkload {
			row.Errors += s.Load.Errors
			failed = failed || s.Err != ""
		}
	}
	row.Met = n > 0 && r >= swapFloor && row.Errors == 0 && !failed
	return row
}

// writeSwap prints the swap report.
func writeSwap(w io.Writer, r swapRow) {
	fmt.Fprintf(w, "\nring swaps (-swap), %s workload, %s / %s in the same rep (median):\n", secureWorkload, swapTarget, noSwapTarget)
	if r.Runs == 0 {
		fmt.Fprintln(w, "  no pair of runs")
		return
	}
	verdict := "below target"
	if r.Met {
		verdict = "ok"
	}
	fmt.Fprintf(w, "  ops ratio %.3f (target >= %.2f, %d reps), requests lost (error replies) %d (target 0), %d seed-list changes served, %d rings published by the node: %s\n",
		r.Ratio, r.Floor, r.Runs, r.Errors, r.Swaps, r.RingSwaps, verdict)
}

// ringSwaps reads ring_swaps from the /info of the node whose stats port is
// stats; -1 when it cannot.
func ringSwaps(stats string) int64 { return infoValue(stats, "ring_swaps") }

// infoInt returns the integer top-level key of a JSON object read from r;
// -1 when r is not such an object or the key is missing or not an integer.
func infoInt(r io.Reader, key string) int64 {
	var m map[string]json.RawMessage
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return -1
	}
	var v int64
	if raw, ok := m[key]; !ok || json.Unmarshal(raw, &v) != nil {
		return -1
	}
	return v
}
