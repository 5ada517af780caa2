package admin

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dynomite-go/dynomite/replica"
)

// Bodies are C Dynomite's, byte for byte, including its mix of "\r\n" and
// "\n" line ends. What differs, on purpose:
//   - text bodies are served as text/plain, JSON as application/json
//     (C labels everything JSON);
//   - invalid input (unknown level, state, peer operation, non-numeric
//     argument) gets a 4xx status and a message saying what
//     is accepted, where C answers "OK" and does nothing (an unknown path
//     still answers like /ping, as in C);
//   - /set_consistency also accepts dc_each_safe_quorum;
//   - /peer/<op>/all applies <op> to every remote peer, where C sets every
//     peer, itself included, to RESET whatever the operation.

const (
	contentJSON = "application/json; charset=utf-8"
	contentText = "text/plain; charset=utf-8"
	bodyOK      = "OK\r\n"
	minLogLevel = 0
	maxLogLevel = 11
	minFactor   = 1
	maxFactor   = 10
)

// helpBody is /help: C's body byte for byte (docs/compat.md §7.4; the paths C Dynomite lacks
// are listed in the README, not here, so tools that compare it still match).
const helpBody = "/info\n/help\n/ping\n/cluster_describe\n/setloglevel/<0-11>\n/loglevelup\n/logleveldown\n" +
	"/historeset\n/get_consistency\n/set_consistency/<read|write>/<dc_one|dc_quorum|dc_safe_quorum>\n" +
	"/get_timeout_factor\n/set_timeout_factor/<1-10>\n/peer/<up|down|reset>\n" +
	"/state/<get_state|standby|writes_only|normal|resuming>\n\n"

func writeBody(w http.ResponseWriter, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.Write(body)
}

func text(w http.ResponseWriter, body string) { writeBody(w, contentText, []byte(body)) }

func textError(w http.ResponseWriter, code int, format string, args ...any) {
	w.Header().Set("Content-Type", contentText)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	fmt.Fprintf(w, "ERR "+format+"\r\n", args...)
}

// info aggregates on request, as C Dynomite's stats thread does when a
// request wakes it: counters are current, not up to stats_interval old.
func (s *Server) info(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	snap := s.st.Aggregate(now)
	var conv *ConvergenceStats
	if c, ok := s.node.(Converger); ok {
		st := c.ConvergenceStats()
		conv = &st
	}
	var mem *MembershipStats
	if m, ok := s.node.(MembershipReporter); ok {
		st := m.MembershipStats()
		mem = &st
	}
	writeBody(w, contentJSON, appendInfoWith(nil, s.st.Config(), s.st.Start(), snap, conv, mem, now))
}

func (s *Server) clusterDescribe(w http.ResponseWriter, r *http.Request) {
	t := s.node.Topology()
	for i := range t.DCs {
		for j := range t.DCs[i].Racks {
			srv := t.DCs[i].Racks[j].Servers
			for k := range srv {
				srv[k].Name = s.ipOf(srv[k].Name)
			}
		}
	}
	writeBody(w, contentJSON, appendClusterDescribe(nil, t))
}

func (s *Server) help(w http.ResponseWriter, r *http.Request) { text(w, helpBody) }

func (s *Server) ping(w http.ResponseWriter, r *http.Request) { text(w, bodyOK) }

// notFound answers any other path as /ping does, as C Dynomite does: tools
// probe liveness with arbitrary paths.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.ping(w, r)
}

func (s *Server) getConsistency(w http.ResponseWriter, r *http.Request) {
	rd, wr := s.node.Consistency()
	text(w, "Read Consistency: "+rd.String()+"\r\nWrite Consistency: "+wr.String()+"\r\n")
}

func (s *Server) setConsistency(w http.ResponseWriter, r *http.Request) {
	op, name := r.PathValue("op"), r.PathValue("level")
	if op != "read" && op != "write" {
		textError(w, http.StatusBadRequest, "unknown consistency operation %q; want read or write", op)
		return
	}
	level, ok := replica.ParseLevel(name)
	if !ok {
		textError(w, http.StatusBadRequest,
			"invalid consistency level %q; want dc_one, dc_quorum, dc_safe_quorum or dc_each_safe_quorum", name)
		return
	}
	s.ctl.Lock()
	s.node.SetConsistency(op == "read", level)
	s.ctl.Unlock()
	s.log.Info("consistency changed", slog.String("op", op), slog.String("level", level.String()))
	text(w, bodyOK)
}

func (s *Server) getTimeoutFactor(w http.ResponseWriter, r *http.Request) {
	text(w, "Timeout factor: "+strconv.Itoa(s.node.TimeoutFactor())+"\n")
}

func (s *Server) setTimeoutFactor(w http.ResponseWriter, r *http.Request) {
	n, ok := pathInt(w, r, "n", "timeout factor")
	if !ok {
		return
	}
	n = min(max(n, minFactor), maxFactor)
	s.ctl.Lock()
	s.node.SetTimeoutFactor(n)
	s.ctl.Unlock()
	s.log.Info("timeout factor changed", slog.Int("factor", n))
	text(w, bodyOK)
}

func (s *Server) setLogLevel(w http.ResponseWriter, r *http.Request) {
	n, ok := pathInt(w, r, "n", "log level")
	if !ok {
		return
	}
	s.changeLogLevel(func(int) int { return n })
	text(w, bodyOK)
}

func (s *Server) logLevelUp(w http.ResponseWriter, r *http.Request) {
	s.changeLogLevel(func(l int) int { return l + 1 })
	text(w, bodyOK)
}

func (s *Server) logLevelDown(w http.ResponseWriter, r *http.Request) {
	s.changeLogLevel(func(l int) int { return l - 1 })
	text(w, bodyOK)
}

// changeLogLevel applies f to the node's log level, clamped to 0..11, as
// one step with respect to other admin requests.
func (s *Server) changeLogLevel(f func(int) int) {
	s.ctl.Lock()
	l := min(max(f(s.node.LogLevel()), minLogLevel), maxLogLevel)
	s.node.SetLogLevel(l)
	s.ctl.Unlock()
	s.log.Info("log level changed", slog.Int("level", l))
}

// pathInt parses the path element key as a decimal integer, answering 400
// itself when it is not one.
func pathInt(w http.ResponseWriter, r *http.Request, key, what string) (int, bool) {
	v := r.PathValue(key)
	n, err := strconv.Atoi(v)
	if err != nil {
		textError(w, http.StatusBadRequest, "invalid %s %q; want a decimal number", what, v)
		return 0, false
	}
	return n, true
}

func (s *Server) histoReset(w http.ResponseWriter, r *http.Request) {
	s.st.ResetHistograms()
	text(w, bodyOK)
}

func (s *Server) state(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if name == "get_state" {
		text(w, "State: "+s.node.State().String()+"\n")
		return
	}
	st, ok := parseSettable(name)
	if !ok {
		textError(w, http.StatusBadRequest,
			"unknown state %q; want get_state, standby, writes_only, resuming or normal", name)
		return
	}
	s.ctl.Lock()
	s.node.SetState(st)
	s.ctl.Unlock()
	s.log.Info("node state changed", slog.String("state", st.String()))
	text(w, bodyOK)
}

func (s *Server) peer(w http.ResponseWriter, r *http.Request) {
	op, name := r.PathValue("op"), r.PathValue("name")
	var st State
	switch op {
	case "up":
		st = Normal
	case "down":
		st = Down
	case "reset":
		st = Reset
	default:
		textError(w, http.StatusBadRequest, "unknown peer operation %q; want up, down or reset", op)
		return
	}
	s.ctl.Lock()
	n := s.node.SetPeerState(name, st)
	s.ctl.Unlock()
	if n == 0 && name != AllPeers {
		textError(w, http.StatusNotFound, "no peer named %q", name)
		return
	}
	s.log.Info("peer state changed", slog.String("peer", name), slog.String("state", st.String()),
		slog.Int("peers", n))
	text(w, bodyOK)
}

func (s *Server) readRepairs(w http.ResponseWriter, r *http.Request) {
	var on bool
	switch op := r.PathValue("op"); strings.ToLower(op) {
	case "enable":
		on = true
	case "disable":
	default:
		textError(w, http.StatusBadRequest, "unknown read repair operation %q; want enable or disable", op)
		return
	}
	s.ctl.Lock()
	s.node.SetReadRepairs(on)
	s.ctl.Unlock()
	if on {
		text(w, "Read Repairs: ENABLED\r\n")
		return
	}
	text(w, "Read Repairs: DISABLED\r\n")
}
