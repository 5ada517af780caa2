package matrix

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/dynomite-go/dynomite/bench"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// The convergence group (-convergence), run after the matrix on its own
// cluster (issue 15's speed targets): 3 racks x 1 node at DC_ONE,
// repair_rate 0, keys 0..-key-maximum written through node 1.
//
//  1. p99: the 2 x 25 mix through node 1 for -duration, once with no
//     repair, once while node 3 warms up (its Redis flushed, then
//     /repair/warm from rack 1's Redis at convergeRate keys/s); target:
//     p99 during the warm-up within 2x of none.
//  2. keys/s: node 3's Redis flushed again and warmed unthrottled
//     (rate=0), against redis-cli --pipe replaying RESTORE ... REPLACE
//     commands made from DUMP and PTTL of every key of rack 1's Redis
//     into node 3's flushed Redis; target: warm-up at least half.
//  3. hint replay: node 1 (hints_dir, repair_rate convergeRate) marks
//     its peers down (/peer/down/all), every key is written again
//     through it (a hint per key and peer), the peers come back
//     (/peer/up/all) and the mix runs while the hints replay; target:
//     p99 within 2x of no repair, the replay still running at the end
//     of the load, no hint left after it.

const (
	convergeRate      = 1000 // keys/s of the throttled warm-up (repair_rate's default)
	convergeP99Factor = 2.0
	convergeMinRatio  = 0.50
)

// convergeResult is the convergence group's outcome.
type convergeResult struct {
	Keys          int64   `json:"keys"`
	P99None       float64 `json:"p99_ms_no_repair"`
	P99Warm       float64 `json:"p99_ms_during_warm_up"`
	OpsNone       float64 `json:"ops_sec_no_repair"`
	OpsWarm       float64 `json:"ops_sec_during_warm_up"`
	WarmRunning   bool    `json:"warm_up_ran_throughout"` // the throttled warm-up was still running when the load ended
	P99Met        bool    `json:"p99_met"`
	HintsMade     int64   `json:"hints_recorded"`
	P99Replay     float64 `json:"p99_ms_during_hint_replay"`
	OpsReplay     float64 `json:"ops_sec_during_hint_replay"`
	ReplayRunning bool    `json:"hint_replay_ran_throughout"`
	ReplayP99Met  bool    `json:"hint_replay_p99_met"`
	ReplaySecs    float64 `json:"hint_replay_seconds"`
	WarmKeysSec   float64 `json:"warm_up_keys_sec"` // unthrottled
	PipeKeysSec   float64 `json:"redis_cli_pipe_keys_sec"`
	Ratio         float64 `json:"ratio"`
	RatioMet      bool    `json:"ratio_met"`
	Err           string  `json:"error,omitempty"`
}

// MarshalJSON writes NaN values as null.
func (c convergeResult) MarshalJSON() ([]byte, error) {
	type plain convergeResult
	return json.Marshal(struct {
		plain
		Ratio *float64 `json:"ratio"`
	}{plain(c), finite(c.Ratio)})
}

// runConvergence runs the convergence group; its error is also in the
// result's Err.
func runConvergence(ctx context.Context, o options, tmp string, stderr io.Writer) (convergeResult, error) {
	res := convergeResult{Keys: int64(o.keys) + 1}
	err := convergence(ctx, o, tmp, stderr, &res)
	if err != nil {
		res.Err = err.Error()
		fmt.Fprintf(stderr, "convergence: %v\n", err)
	}
	return res, err
}

func convergence(ctx context.Context, o options, tmp string, stderr io.Writer, res *convergeResult) (err error) {
	bin, err := findDynomite(o.dynomite)
	if err != nil {
		return fmt.Errorf("cannot find or build dynomite: %w", err)
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return fmt.Errorf("cannot find redis-cli (Debian package redis-tools): %w", err)
	}
	hintsDir := filepath.Join(tmp, "hints-node1")
	t, err := startProxyTargetEach("conv-3", "3 racks x 1 node, DC_ONE, repair_rate 0 (node 1: hints, repair_rate 1000)", bin, o.redis, 3, "DC_ONE",
		map[string]string{"repair_rate": "0"}, func(i int, extra map[string]string) {
			if i == 0 {
				extra["hints_dir"], extra["repair_rate"] = hintsDir, strconv.Itoa(convergeRate)
				// room for a hint per key and peer (the default bound is 100,000)
				extra["hints_max_count"], extra["hints_max_bytes"] = strconv.FormatUint(2*(o.keys+1)+1000, 10), strconv.Itoa(256<<20)
			}
		})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, t.stop()) }()
	if err := clusterReady(t, 10*time.Second); err != nil {
		return err
	}
	node1, node3 := t.measured[0], t.measured[2]
	src, dst := t.stores[0], t.stores[2]
	if err := waitReplicated(node1.Addr, dst.Addr, 10*time.Second); err != nil {
		return err
	}
	if err := fill(node1.Addr, o.keys); err != nil {
		return err
	}
	if err := waitDBSize(dst.Addr, res.Keys, 10*time.Second); err != nil {
		return err
	}
	mix := Workloads[0].Config(t.port, o.duration, o.keys)
	none, err := runLoad(ctx, mix)
	if err != nil {
		return err
	}
	res.P99None, res.OpsNone = none.P99, none.OpsSec
	fmt.Fprintf(stderr, "convergence: no repair  %9.0f ops/s  p99 %.3f ms\n", none.OpsSec, none.P99)

	if err := flush(dst.Addr); err != nil {
		return err
	}
	if err := startWarm(node3.StatsAddr, src.Addr, convergeRate); err != nil {
		return err
	}
	warm, err := runLoad(ctx, mix)
	if err != nil {
		return err
	}
	st, err := warmStatus(node3.StatsAddr)
	if err != nil {
		return err
	}
	res.WarmRunning = st.State == "running"
	res.P99Warm, res.OpsWarm = warm.P99, warm.OpsSec
	res.P99Met = res.WarmRunning && warm.Errors == 0 && res.P99Warm <= convergeP99Factor*res.P99None
	fmt.Fprintf(stderr, "convergence: warming up %9.0f ops/s  p99 %.3f ms  (warm-up %s, %d keys copied)\n", warm.OpsSec, warm.P99, st.State, st.Copied)
	if _, err := waitWarm(ctx, node3.StatsAddr, time.Duration(res.Keys/convergeRate+30)*time.Second); err != nil {
		return err
	}

	if err := flush(dst.Addr); err != nil {
		return err
	}
	if err := startWarm(node3.StatsAddr, src.Addr, 0); err != nil {
		return err
	}
	st, err = waitWarm(ctx, node3.StatsAddr, time.Minute)
	if err != nil {
		return err
	}
	if st.Elapsed > 0 {
		res.WarmKeysSec = float64(st.Copied) / st.Elapsed
	}
	fmt.Fprintf(stderr, "convergence: warm-up unthrottled %d keys in %.3f s\n", st.Copied, st.Elapsed)

	file := filepath.Join(tmp, "restore.resp")
	n, err := dumpRestoreFile(src.Addr, file)
	if err != nil {
		return err
	}
	if err := flush(dst.Addr); err != nil {
		return err
	}
	took, err := pipeInto(ctx, cli, dst.Port, file)
	if err != nil {
		return err
	}
	if err := waitDBSize(dst.Addr, int64(n), time.Second); err != nil {
		return fmt.Errorf("redis-cli --pipe: %w", err)
	}
	res.PipeKeysSec = float64(n) / took.Seconds()
	fmt.Fprintf(stderr, "convergence: redis-cli --pipe %d keys in %.3f s\n", n, took.Seconds())
	res.Ratio = res.WarmKeysSec / res.PipeKeysSec
	res.RatioMet = res.Ratio >= convergeMinRatio
	return hintReplay(ctx, t, mix, o, res, stderr)
}

// hintReplay is step 3 of the group.
func hintReplay(ctx context.Context, t *target, mix bench.Config, o options, res *convergeResult, stderr io.Writer) error {
	node1 := t.measured[0]
	if err := adminOK(node1.StatsAddr, "/peer/down/all"); err != nil {
		return err
	}
	if err := fill(node1.Addr, o.keys); err != nil {
		return err
	}
	res.HintsMade = infoValue(node1.StatsAddr, "hints_pending")
	if res.HintsMade < res.Keys {
		return fmt.Errorf("hint replay: %d hints recorded for %d keys written while the peers were down", res.HintsMade, res.Keys)
	}
	if err := adminOK(node1.StatsAddr, "/peer/up/all"); err != nil {
		return err
	}
	start := time.Now()
	l, err := runLoad(ctx, mix)
	if err != nil {
		return err
	}
	left := infoValue(node1.StatsAddr, "hints_pending")
	res.P99Replay, res.OpsReplay = l.P99, l.OpsSec
	res.ReplayRunning = left > 0
	res.ReplayP99Met = res.ReplayRunning && l.Errors == 0 && res.P99Replay <= convergeP99Factor*res.P99None
	fmt.Fprintf(stderr, "convergence: hint replay %9.0f ops/s  p99 %.3f ms  (%d hints, %d left after the load)\n", l.OpsSec, l.P99, res.HintsMade, left)
	limit := time.Duration(res.HintsMade/convergeRate+30) * time.Second
	for left != 0 {
		if time.Since(start) > limit {
			return fmt.Errorf("hint replay: %d hints still pending after %v", left, limit)
		}
		time.Sleep(200 * time.Millisecond)
		left = infoValue(node1.StatsAddr, "hints_pending")
	}
	res.ReplaySecs = time.Since(start).Seconds()
	fmt.Fprintf(stderr, "convergence: hint replay done in %.1f s\n", res.ReplaySecs)
	return nil
}

// adminOK gets path from the stats port stats and wants a 200.
func adminOK(stats, path string) error {
	r, err := adminClient.Get("http://" + stats + path)
	if err != nil {
		return fmt.Errorf("cannot get %s: %w", path, err)
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
	if r.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", path, r.Status, bytes.TrimSpace(body))
	}
	return nil
}

// infoValue is the integer key of the /info of the node whose stats port
// is stats; -1 when it cannot be read.
func infoValue(stats, key string) int64 {
	r, err := adminClient.Get("http://" + stats + "/info")
	if err != nil {
		return -1
	}
	defer r.Body.Close()
	return infoInt(io.LimitReader(r.Body, 1<<20), key)
}

// runLoad runs one load with the built-in generator.
func runLoad(ctx context.Context, cfg bench.Config) (load, error) {
	l, err := builtin{}.run(ctx, cfg)
	if err == nil && l.Requests == 0 {
		err = errors.New("the load made no request")
	}
	return l, err
}

// fill writes the keys memtier-0..memtier-max through addr, pipelined.
func fill(addr string, maxKey uint64) error {
	c, err := enginetest.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.Timeout = 10 * time.Second
	const batch = 500
	val := bytes.Repeat([]byte("v"), 32)
	for k := uint64(0); k <= maxKey; k += batch {
		n := 0
		for i := k; i <= maxKey && i < k+batch; i++ {
			if err := c.SendBytes([]byte("SET"), []byte("memtier-"+strconv.FormatUint(i, 10)), val); err != nil {
				return err
			}
			n++
		}
		if err := c.Flush(); err != nil {
			return err
		}
		for ; n > 0; n-- {
			r, err := c.Read()
			if err != nil {
				return fmt.Errorf("cannot fill: %w", err)
			}
			if r.IsError() {
				return fmt.Errorf("cannot fill: %s", r.Str)
			}
		}
	}
	return nil
}

// waitReplicated waits until a key written through the node at node
// reaches the Redis at store: at DC_ONE a write made before the peer
// links are up is not replicated.
func waitReplicated(node, store string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for i := 0; ; i++ {
		v := strconv.Itoa(i)
		if _, err := do(node, "SET", "matrix:probe", v); err == nil {
			time.Sleep(50 * time.Millisecond)
			if r, err := do(store, "GET", "matrix:probe"); err == nil && string(r.Str) == v {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cannot see a write through %s in %s within %v", node, store, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitDBSize waits until the Redis at addr holds at least n keys.
func waitDBSize(addr string, n int64, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		got, err := dbSize(addr)
		if err == nil && got >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cannot see %d keys in %s within %v: %d (%v)", n, addr, limit, got, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func dbSize(addr string) (int64, error) {
	r, err := do(addr, "DBSIZE")
	if err != nil {
		return 0, err
	}
	return r.Int, nil
}

func flush(addr string) error {
	_, err := do(addr, "FLUSHALL")
	return err
}

// do sends one command to addr on a new connection.
func do(addr string, args ...string) (*enginetest.Reply, error) {
	c, err := enginetest.Dial(addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.Timeout = 10 * time.Second
	r, err := c.Do(args...)
	if err == nil && r.IsError() {
		err = fmt.Errorf("%s: %s", args[0], r.Str)
	}
	return r, err
}

// warmState is what the bench reads of /repair/status.
type warmState struct {
	State   string  `json:"state"`
	Copied  int64   `json:"copied"`
	Elapsed float64 `json:"elapsed_seconds"`
	Err     string  `json:"error"`
}

var adminClient = &http.Client{Timeout: 5 * time.Second}

// startWarm starts a warm-up of the node whose stats port is stats from
// the datastore at source, at rate keys/s (0: no limit).
func startWarm(stats, source string, rate int) error {
	resp, err := adminClient.Get(fmt.Sprintf("http://%s/repair/warm?source=%s&rate=%d", stats, source, rate))
	if err != nil {
		return fmt.Errorf("cannot start a warm-up: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("cannot start a warm-up: %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return nil
}

func warmStatus(stats string) (warmState, error) {
	var st warmState
	resp, err := adminClient.Get("http://" + stats + "/repair/status")
	if err != nil {
		return st, fmt.Errorf("cannot read the repair status: %w", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&st); err != nil {
		return st, fmt.Errorf("cannot read the repair status: %w", err)
	}
	return st, nil
}

// waitWarm waits until the current warm-up ends, within limit; a failed
// one is an error.
func waitWarm(ctx context.Context, stats string, limit time.Duration) (warmState, error) {
	deadline := time.Now().Add(limit)
	for {
		st, err := warmStatus(stats)
		if err != nil {
			return st, err
		}
		switch st.State {
		case "done":
			return st, nil
		case "failed":
			return st, fmt.Errorf("the warm-up failed: %s", st.Err)
		}
		if time.Now().After(deadline) {
			return st, fmt.Errorf("the warm-up did not end within %v (%s, %d keys copied)", limit, st.State, st.Copied)
		}
		if err := ctx.Err(); err != nil {
			return st, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// restoreCommand appends RESTORE key ttl payload REPLACE in RESP to dst,
// ttl being PTTL's answer (-1, no expiry, is 0 for RESTORE).
func restoreCommand(dst, key []byte, pttl int64, payload []byte) []byte {
	if pttl < 0 {
		pttl = 0
	}
	return enginetest.AppendCommand(dst, []byte("RESTORE"), key, []byte(strconv.FormatInt(pttl, 10)), payload, []byte("REPLACE"))
}

// dumpRestoreFile writes the RESTORE commands of every key of the Redis at
// addr (SCAN, DUMP, PTTL) into path and returns the number of keys. A key
// deleted between SCAN and DUMP is left out.
func dumpRestoreFile(addr, path string) (int, error) {
	c, err := enginetest.Dial(addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.Timeout = 10 * time.Second
	var out []byte
	n := 0
	cursor := "0"
	for i := 0; i < 1<<24; i++ {
		r, err := c.Do("SCAN", cursor, "COUNT", "1000")
		if err != nil || r.IsError() || len(r.Elems) != 2 {
			return n, fmt.Errorf("cannot scan %s: %v %v", addr, err, r)
		}
		cursor = string(r.Elems[0].Str)
		keys := r.Elems[1].Elems
		for _, k := range keys {
			_ = c.SendBytes([]byte("DUMP"), []byte(k.Str))
			_ = c.SendBytes([]byte("PTTL"), []byte(k.Str))
		}
		if err := c.Flush(); err != nil {
			return n, err
		}
		for _, k := range keys {
			d, err := c.Read()
			if err != nil {
				return n, err
			}
			ttl, err := c.Read()
			if err != nil {
				return n, err
			}
			if d.Null {
				continue
			}
			out = restoreCommand(out, []byte(k.Str), ttl.Int, []byte(d.Str))
			n++
		}
		if cursor == "0" {
			break
		}
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		return n, fmt.Errorf("cannot write %s: %w", path, err)
	}
	return n, nil
}

// pipeInto runs redis-cli --pipe with file as input against the Redis on
// loopback port and returns how long it took.
func pipeInto(ctx context.Context, cli string, port int, file string) (time.Duration, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, cli, "-h", "127.0.0.1", "-p", strconv.Itoa(port), "--pipe")
	cmd.Stdin = f
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("redis-cli --pipe: %w: %s", err, bytes.TrimSpace(out.Bytes()))
	}
	took := time.Since(start)
	if !bytes.Contains(out.Bytes(), []byte("errors: 0,")) {
		return took, fmt.Errorf("redis-cli --pipe reported errors: %s", bytes.TrimSpace(out.Bytes()))
	}
	return took, nil
}

// writeConvergence prints the convergence report.
func writeConvergence(w io.Writer, c convergeResult) {
	fmt.Fprintf(w, "\nconvergence (-convergence), 3 racks x 1 node, DC_ONE, %d keys:\n", c.Keys)
	if c.Err != "" {
		fmt.Fprintf(w, "  failed: %s\n", c.Err)
	}
	verdict := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "below target"
	}
	fmt.Fprintf(w, "  mix p99 during a warm-up at %d keys/s %.3f ms (%0.f ops/s) vs %.3f ms (%.0f ops/s) without: %.2fx (target <= %.0fx, warm-up throughout: %t): %s\n",
		convergeRate, c.P99Warm, c.OpsWarm, c.P99None, c.OpsNone, c.P99Warm/c.P99None, convergeP99Factor, c.WarmRunning, verdict(c.P99Met))
	fmt.Fprintf(w, "  warm-up unthrottled %.0f keys/s vs redis-cli --pipe RESTORE %.0f keys/s: %.3f (target >= %.2f): %s\n",
		c.WarmKeysSec, c.PipeKeysSec, c.Ratio, convergeMinRatio, verdict(c.RatioMet))
	fmt.Fprintf(w, "  mix p99 during the replay of %d hints at %d keys/s %.3f ms (%.0f ops/s) vs %.3f ms without: %.2fx (target <= %.0fx, replay throughout: %t, all replayed in %.1f s): %s\n",
		c.HintsMade, convergeRate, c.P99Replay, c.OpsReplay, c.P99None, c.P99Replay/c.P99None, convergeP99Factor, c.ReplayRunning, c.ReplaySecs, verdict(c.ReplayP99Met))
}
