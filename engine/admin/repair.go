package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Rack repair, warm-up and the anti-entropy check, started and watched on
// the stats port. C Dynomite has none of these paths.
//
//	/repair                              the list of these paths
//	/repair/warm?source=H:P[&rate=N]     copy this node's keys from the
//	                                     datastore at H:P into the local one
//	/repair/compare?source=H:P[&repair=1][&rate=N]
//	                                     compare this node's keys with H:P;
//	                                     with repair=1 copy the differences
//	/repair/status                       the current or last run, as JSON
//
// A start answers 202 and the new run's status; 409 while a run is in
// progress; 400 for a bad query; 501 when the node does not implement
// Repairer. The work itself is the Repairer's (engine/hints/rackrepair
// provides one).

// Repairer is what a Node may also implement to serve /repair/...: one run
// at a time of a warm-up or a comparison against a peer's datastore. Both
// methods may be called from any goroutine and must not block on the run.
type Repairer interface {
	// StartRepair starts j in the background and returns its first
	// status. It returns ErrRepairRunning while another run is in
	// progress; any other error means j was refused (a bad source, say).
	StartRepair(j RepairJob) (RepairStatus, error)
	// RepairStatus returns the current or last run's status (State
	// RepairIdle and ID 0 before the first).
	RepairStatus() RepairStatus
}

// ErrRepairRunning is StartRepair's refusal of a second concurrent run.
var ErrRepairRunning = errors.New("admin: a repair is already running")

// RepairMode is what a run does.
type RepairMode uint8

const (
	RepairWarm    RepairMode = iota + 1 // copy the owned keys from the source
	RepairCompare                       // compare the owned keys with the source
)

func (m RepairMode) String() string {
	switch m {
	case RepairWarm:
		return "warm"
	case RepairCompare:
		return "compare"
	}
	return "none"
}

// RepairJob is one run to start.
type RepairJob struct {
	Mode   RepairMode
	Source string // host:port of the peer's datastore, the reference
	Fix    bool   // RepairCompare: copy the differences from Source
	Rate   int    // keys per second; 0: the Repairer's default
}

// RepairState is where a run is.
type RepairState uint8

const (
	RepairIdle    RepairState = iota // no run yet
	RepairRunning                    // in progress
	RepairDone                       // finished
	RepairFailed                     // stopped by an error (RepairStatus.Err)
)

func (s RepairState) String() string {
	switch s {
	case RepairIdle:
		return "idle"
	case RepairRunning:
		return "running"
	case RepairDone:
		return "done"
	case RepairFailed:
		return "failed"
	}
	return "unknown"
}

func parseRepairState(s string) RepairState {
	for st := RepairIdle; st <= RepairFailed; st++ {
		if st.String() == s {
			return st
		}
	}
	return RepairFailed + 1
}

// RepairStatus is a run's progress. Counts are keys.
type RepairStatus struct {
	ID    uint64 // 1 for the first run, then one more per run
	Job   RepairJob
	State RepairState

	Scanned int64 // keys the SCANs returned so far
	Total   int64 // keys to scan (DBSIZE at the start), 0 when unknown
	Copied  int64 // keys copied to the local datastore

	// RepairCompare only: keys compared, keys the local datastore lacks,
	// keys only it holds, keys with other values, keys repaired.
	Compared, MissingHere, MissingThere, Differs, Repaired int64

	Rate    float64       // keys scanned per second
	ETA     time.Duration // 0 when unknown or finished
	Started time.Time
	Elapsed time.Duration
	Err     string // why a run failed
}

// repairWire is RepairStatus as JSON: names in snake case, durations in
// seconds, times in RFC 3339.
type repairWire struct {
	ID           uint64    `json:"id"`
	Mode         string    `json:"mode"`
	Source       string    `json:"source"`
	Fix          bool      `json:"fix"`
	Rate         int       `json:"rate_limit"`
	State        string    `json:"state"`
	Scanned      int64     `json:"scanned"`
	Total        int64     `json:"total"`
	Copied       int64     `json:"copied"`
	Compared     int64     `json:"compared"`
	MissingHere  int64     `json:"missing_here"`
	MissingThere int64     `json:"missing_there"`
	Differs      int64     `json:"differs"`
	Repaired     int64     `json:"repaired"`
	KeysPerSec   float64   `json:"keys_per_sec"`
	ETA          float64   `json:"eta_seconds"`
	Started      time.Time `json:"started"`
	Elapsed      float64   `json:"elapsed_seconds"`
	Err          string    `json:"error,omitempty"`
}

// MarshalJSON encodes the status as /repair/status serves it.
func (s RepairStatus) MarshalJSON() ([]byte, error) {
	return json.Marshal(repairWire{
		ID: s.ID, Mode: s.Job.Mode.String(), Source: s.Job.Source, Fix: s.Job.Fix, Rate: s.Job.Rate,
		State: s.State.String(), Scanned: s.Scanned, Total: s.Total, Copied: s.Copied,
		Compared: s.Compared, MissingHere: s.MissingHere, MissingThere: s.MissingThere,
		Differs: s.Differs, Repaired: s.Repaired, KeysPerSec: s.Rate, ETA: s.ETA.Seconds(),
		Started: s.Started, Elapsed: s.Elapsed.Seconds(), Err: s.Err,
	})
}

// UnmarshalJSON decodes what MarshalJSON encodes; an unknown state
// decodes as a value past RepairFailed.
func (s *RepairStatus) UnmarshalJSON(b []byte) error {
	var w repairWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	mode := RepairMode(0)
	for _, m := range []RepairMode{RepairWarm, RepairCompare} {
		if m.String() == w.Mode {
			mode = m
		}
	}
	*s = RepairStatus{
		ID: w.ID, Job: RepairJob{Mode: mode, Source: w.Source, Fix: w.Fix, Rate: w.Rate},
		State: parseRepairState(w.State), Scanned: w.Scanned, Total: w.Total, Copied: w.Copied,
		Compared: w.Compared, MissingHere: w.MissingHere, MissingThere: w.MissingThere,
		Differs: w.Differs, Repaired: w.Repaired, Rate: w.KeysPerSec,
		ETA: seconds(w.ETA), Started: w.Started, Elapsed: seconds(w.Elapsed), Err: w.Err,
	}
	return nil
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// repairHelp is the body of /repair.
const repairHelp = "/repair/warm?source=<host:port>[&rate=<keys/s>]\n" +
	"/repair/compare?source=<host:port>[&repair=1][&rate=<keys/s>]\n" +
	"/repair/status\n"

func (s *Server) repairRoutes() {
	s.mux.HandleFunc("/repair", func(w http.ResponseWriter, r *http.Request) { text(w, repairHelp) })
	s.mux.HandleFunc("/repair/warm", func(w http.ResponseWriter, r *http.Request) { s.repairStart(w, r, RepairWarm) })
	s.mux.HandleFunc("/repair/compare", func(w http.ResponseWriter, r *http.Request) { s.repairStart(w, r, RepairCompare) })
	s.mux.HandleFunc("/repair/status", s.repairStatus)
}

// repairer returns the node's Repairer, answering 501 itself when the node
// has none.
func (s *Server) repairer(w http.ResponseWriter) (Repairer, bool) {
	rep, ok := s.node.(Repairer)
	if !ok {
		textError(w, http.StatusNotImplemented, "this node does not run repairs")
	}
	return rep, ok
}

func (s *Server) repairStart(w http.ResponseWriter, r *http.Request, mode RepairMode) {
	rep, ok := s.repairer(w)
	if !ok {
		return
	}
	j, err := parseRepairJob(r, mode)
	if err != nil {
		textError(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.ctl.Lock()
	st, err := rep.StartRepair(j)
	s.ctl.Unlock()
	switch {
	case errors.Is(err, ErrRepairRunning):
		textError(w, http.StatusConflict, "a repair is already running; see /repair/status")
		return
	case err != nil:
		textError(w, http.StatusBadRequest, "cannot start the repair: %v", err)
		return
	}
	s.log.Info("repair started", slog.String("mode", mode.String()), slog.String("source", j.Source),
		slog.Bool("fix", j.Fix), slog.Uint64("id", st.ID))
	writeStatus(w, http.StatusAccepted, st)
}

func (s *Server) repairStatus(w http.ResponseWriter, r *http.Request) {
	if rep, ok := s.repairer(w); ok {
		writeStatus(w, http.StatusOK, rep.RepairStatus())
	}
}

func writeStatus(w http.ResponseWriter, code int, st RepairStatus) {
	b, err := json.Marshal(st)
	if err != nil {
		textError(w, http.StatusInternalServerError, "cannot encode the status: %v", err)
		return
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", contentJSON)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(b)
}

// parseRepairJob reads source, rate and repair from the query.
func parseRepairJob(r *http.Request, mode RepairMode) (RepairJob, error) {
	q := r.URL.Query()
	j := RepairJob{Mode: mode, Source: q.Get("source")}
	if j.Source == "" {
		return j, errors.New("missing source=<host:port> (the peer's datastore)")
	}
	if host, port, err := net.SplitHostPort(j.Source); err != nil || host == "" || port == "" {
		return j, fmt.Errorf("invalid source %q; want host:port", j.Source)
	}
	if v := q.Get("rate"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return j, fmt.Errorf("invalid rate %q; want keys per second, 0 or more", v)
		}
		j.Rate = n
	}
	switch v := q.Get("repair"); v {
	case "", "0", "false":
	case "1", "true":
		if mode != RepairCompare {
			return j, errors.New("repair=1 applies to /repair/compare only")
		}
		j.Fix = true
	default:
		return j, fmt.Errorf("invalid repair %q; want 1 or 0", v)
	}
	return j, nil
}
