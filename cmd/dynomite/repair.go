package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dynomite-go/dynomite/engine/admin"
)

// `dynomite repair` starts a warm-up or an anti-entropy check on a running
// node through its stats port (/repair/..., engine/admin) and prints a
// progress line until the run ends. It is recognised only as the first
// argument, so Dynomite's own command line is untouched: anywhere else
// "repair" is an unexpected argument, as before.
//
//	dynomite repair [-s host:port] -source host:port [-compare [-fix]] [-rate n] [-i interval]
//	dynomite repair [-s host:port]            follow the current or last run
//
// Exit code 0 when the run is done, 1 when it failed, was refused, or the
// node could not be asked.

const repairUsage = `Usage: dynomite repair [-s stats address] [-source datastore address]
                       [-compare [-fix]] [-rate keys/s] [-i interval] [-timeout duration]

Asks a running node, on its stats port, to copy the keys it owns from a
peer's datastore (warm-up, rack repair) or, with -compare, to compare them
with it (and with -fix copy the differences), then prints its progress
until the run ends. Without -source it follows the current or last run.

Options:
`

// isRepair reports whether the command line is the repair subcommand: the
// word "repair" as the first argument, and only there.
func isRepair(args []string) bool { return len(args) > 0 && args[0] == "repair" }

type repairOptions struct {
	stats, source string
	compare, fix  bool
	rate          int
	interval      time.Duration
	timeout       time.Duration // 0: until the run ends
}

// repairCommand is the subcommand; args follow the word "repair". It
// returns the exit code.
func repairCommand(args []string, stdout, stderr io.Writer) int {
	var o repairOptions
	fs := flag.NewFlagSet("dynomite repair", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.stats, "s", "127.0.0.1:22222", "the node's stats address, host:port or an http(s):// URL")
	fs.StringVar(&o.source, "source", "", "the peer's datastore, host:port; none: follow the current run")
	fs.BoolVar(&o.compare, "compare", false, "compare with the source instead of copying from it")
	fs.BoolVar(&o.fix, "fix", false, "with -compare: copy the differences from the source")
	fs.IntVar(&o.rate, "rate", 0, "keys per second; 0: the node's default")
	fs.DurationVar(&o.interval, "i", time.Second, "time between progress lines")
	fs.DurationVar(&o.timeout, "timeout", 0, "give up after this long; 0: wait for the run to end")
	fs.Usage = func() {
		fmt.Fprint(stderr, repairUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 1
	}
	if err := o.check(fs.Args()); err != nil {
		fmt.Fprintf(stderr, "dynomite repair: %v\n", err)
		fs.Usage()
		return 1
	}
	if err := o.run(stdout); err != nil {
		fmt.Fprintf(stderr, "dynomite repair: %v\n", err)
		return 1
	}
	return 0
}

func (o *repairOptions) check(rest []string) error {
	switch {
	case len(rest) > 0:
		return fmt.Errorf("unexpected argument '%s'", rest[0])
	case o.fix && !o.compare:
		return errors.New("-fix needs -compare")
	case (o.compare || o.rate != 0) && o.source == "":
		return errors.New("-compare and -rate need -source")
	case o.rate < 0:
		return errors.New("-rate must be 0 or more")
	case o.interval <= 0:
		return errors.New("-i must be positive")
	}
	if !strings.Contains(o.stats, "://") {
		o.stats = "http://" + o.stats
	}
	return nil
}

// run starts the run (or finds the current one) and follows it.
func (o *repairOptions) run(stdout io.Writer) error {
	c := &http.Client{Timeout: 10 * time.Second}
	var deadline time.Time
	if o.timeout > 0 {
		deadline = time.Now().Add(o.timeout)
	}
	st, err := o.start(c)
	if err != nil {
		return err
	}
	if st.State == admin.RepairIdle {
		fmt.Fprintln(stdout, "no repair has run on this node")
		return nil
	}
	for {
		fmt.Fprintln(stdout, progressLine(st))
		switch st.State {
		case admin.RepairDone:
			return nil
		case admin.RepairFailed:
			return fmt.Errorf("the %s failed: %s", st.Job.Mode, st.Err)
		case admin.RepairRunning:
		default:
			return fmt.Errorf("unexpected state %s", st.State)
		}
		if !deadline.IsZero() && time.Now().Add(o.interval).After(deadline) {
			return fmt.Errorf("gave up after %s; the run goes on (see /repair/status)", o.timeout)
		}
		time.Sleep(o.interval)
		id := st.ID
		if st, err = o.get(c, "/repair/status", http.StatusOK); err != nil {
			return err
		}
		if st.ID != id {
			return fmt.Errorf("run %d was replaced by run %d", id, st.ID)
		}
	}
}

// start asks for the run, or for the current status without -source.
func (o *repairOptions) start(c *http.Client) (admin.RepairStatus, error) {
	if o.source == "" {
		return o.get(c, "/repair/status", http.StatusOK)
	}
	q := url.Values{"source": {o.source}}
	if o.rate > 0 {
		q.Set("rate", strconv.Itoa(o.rate))
	}
	path := "/repair/warm"
	if o.compare {
		path = "/repair/compare"
		if o.fix {
			q.Set("repair", "1")
		}
	}
	return o.get(c, path+"?"+q.Encode(), http.StatusAccepted)
}

// get GETs path on the stats port and decodes the status it answers.
func (o *repairOptions) get(c *http.Client, path string, want int) (admin.RepairStatus, error) {
	var st admin.RepairStatus
	resp, err := c.Get(o.stats + path)
	if err != nil {
		return st, fmt.Errorf("cannot ask the node: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return st, fmt.Errorf("cannot read the node's answer: %w", err)
	}
	if resp.StatusCode != want {
		return st, fmt.Errorf("the node answered %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return st, fmt.Errorf("cannot read the node's answer: %w", err)
	}
	return st, nil
}

// progressLine is one line of progress: keys, keys/s, ETA, state.
func progressLine(st admin.RepairStatus) string {
	var b strings.Builder
	if st.Job.Mode == admin.RepairCompare {
		fmt.Fprintf(&b, "compare with %s: ", st.Job.Source)
	} else {
		fmt.Fprintf(&b, "warm from %s: ", st.Job.Source)
	}
	fmt.Fprintf(&b, "scanned %d", st.Scanned)
	if st.Total > 0 {
		fmt.Fprintf(&b, "/%d", st.Total)
	}
	fmt.Fprintf(&b, " keys, ")
	if st.Job.Mode == admin.RepairCompare {
		fmt.Fprintf(&b, "compared %d, differ %d, missing here %d, missing there %d, repaired %d, ",
			st.Compared, st.Differs, st.MissingHere, st.MissingThere, st.Repaired)
	} else {
		fmt.Fprintf(&b, "copied %d, ", st.Copied)
	}
	eta := "-"
	switch {
	case st.ETA >= 10*time.Second:
		eta = st.ETA.Round(time.Second).String()
	case st.ETA > 0:
		eta = st.ETA.Round(100 * time.Millisecond).String()
	}
	fmt.Fprintf(&b, "%.0f keys/s, ETA %s, %s after %s", st.Rate, eta, st.State, st.Elapsed.Round(time.Millisecond))
	return b.String()
}
