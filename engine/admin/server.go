package admin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dynomite-go/dynomite/engine/stats"
)

// Server is the stats/admin HTTP endpoint on stats_listen. Build it with
// New, then Start it; Close stops it. Its handlers may run concurrently
// with each other and with request traffic.
type Server struct {
	addr string
	node Node
	st   *stats.Registry
	log  *slog.Logger
	mux  *http.ServeMux
	http *http.Server
	prom *prometheus.Registry
	ips  sync.Map   // host name -> IP, for /cluster_describe
	ctl  sync.Mutex // serialises state-changing handlers
	lnMu sync.Mutex
	ln   net.Listener
	tls  *tls.Config // nil: plain HTTP
}

// New returns a Server that will listen on addr (host:port; port 0 picks a
// free one) and report st and node. logger may be nil (logs are dropped).
func New(addr string, node Node, st *stats.Registry, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		addr: addr,
		node: node,
		st:   st,
		log:  logger,
		mux:  http.NewServeMux(),
		prom: prometheus.NewRegistry(),
	}
	s.prom.MustRegister(newCollector(st, node))
	s.routes()
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	return s
}

// UseTLS makes Start serve HTTPS with c instead of plain HTTP. Call it
// before Start. c may renew its certificates for new handshakes (through
// GetConfigForClient or GetCertificate) while the server runs.
func (s *Server) UseTLS(c *tls.Config) { s.tls = c }

// Start listens on the address given to New and serves in a background
// goroutine. It returns the listen error, if any, so a busy port fails
// startup as in C Dynomite.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on stats address %s: %w", s.addr, err)
	}
	s.lnMu.Lock()
	s.ln = ln
	s.lnMu.Unlock()
	if s.tls != nil {
		ln = tls.NewListener(ln, s.tls)
	}
	s.log.Info("stats listening", slog.String("addr", ln.Addr().String()), slog.Bool("tls", s.tls != nil))
	go func() {
		err := s.http.Serve(ln)
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("stats server stopped", slog.Any("err", err))
		}
	}()
	return nil
}

// Addr returns the address the Server listens on, or nil before Start.
func (s *Server) Addr() net.Addr {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Close stops listening and waits up to five seconds for requests in
// flight. It is safe to call more than once.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil {
		return fmt.Errorf("cannot stop stats server: %w", err)
	}
	return nil
}

// ServeHTTP counts the request in stats_count (which C Dynomite never
// updates) and dispatches it. Only GET and HEAD are served, as C serves
// only GET.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.st.Add(stats.StatsCount, 1)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		textError(w, http.StatusMethodNotAllowed, "method %s not allowed; use GET", r.Method)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// routes registers every path of docs/compat.md §7.2 plus /metrics,
// /read_repairs and /repair/... (repair.go).
func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("/{$}", s.info) // C meant "/" as an alias of /info
	m.HandleFunc("/info", s.info)
	m.HandleFunc("/help", s.help)
	m.HandleFunc("/ping", s.ping)
	m.HandleFunc("/cluster_describe", s.clusterDescribe)
	m.HandleFunc("/get_consistency", s.getConsistency)
	m.HandleFunc("/set_consistency/{op}/{level}", s.setConsistency)
	m.HandleFunc("/get_timeout_factor", s.getTimeoutFactor)
	m.HandleFunc("/set_timeout_factor/{n}", s.setTimeoutFactor)
	m.HandleFunc("/setloglevel/{n}", s.setLogLevel)
	m.HandleFunc("/loglevelup", s.logLevelUp)
	m.HandleFunc("/logleveldown", s.logLevelDown)
	m.HandleFunc("/historeset", s.histoReset)
	m.HandleFunc("/state/{name}", s.state)
	m.HandleFunc("/peer/{op}/{name}", s.peer)
	m.HandleFunc("/read_repairs/{op}", s.readRepairs)
	s.repairRoutes()
	m.Handle("/metrics", promhttp.HandlerFor(s.prom, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}))
	m.HandleFunc("/", s.notFound)
}
