package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// Signals (docs/compat.md §11.1), logged as "signal <n> (<NAME>) received<action>":
//
//	SIGTTIN  log level +1            SIGUSR1, SIGUSR2  logged only
//	SIGTTOU  log level -1            SIGPIPE           ignored
//	SIGHUP   reopen the log file,    SIGINT, SIGTERM   graceful shutdown, exit 0
//	         reload TLS certificates
//
// Dynomite exits at once with status 1 on SIGINT, leaving its pid file, and
// does not handle SIGTERM; here both stop accepting, let in-flight replies
// finish within shutdownTimeout, remove the pid file and exit 0.

type signals struct {
	ch chan os.Signal
}

var signalNames = map[syscall.Signal]string{
	syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM", syscall.SIGHUP: "SIGHUP",
	syscall.SIGTTIN: "SIGTTIN", syscall.SIGTTOU: "SIGTTOU",
	syscall.SIGUSR1: "SIGUSR1", syscall.SIGUSR2: "SIGUSR2",
}

func notifySignals() *signals {
	s := &signals{ch: make(chan os.Signal, 8)}
	signal.Ignore(syscall.SIGPIPE)
	signal.Notify(s.ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP,
		syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGUSR1, syscall.SIGUSR2)
	return s
}

func (s *signals) stop() { signal.Stop(s.ch) }

// certReloader is a node with TLS certificates to read again on SIGHUP.
type certReloader interface {
	ReloadCerts() error
}

// wait handles signals until SIGINT or SIGTERM arrives. On SIGHUP it also
// reloads nd's certificates when nd has any (new handshakes see the new
// files, established connections keep theirs).
func (s *signals) wait(level *logLevel, sink *logSink, log *slog.Logger, nd node) {
	for sig := range s.ch {
		n, _ := sig.(syscall.Signal)
		action := ""
		switch n {
		case syscall.SIGINT, syscall.SIGTERM:
			log.Info(fmt.Sprintf("signal %d (%s) received, exiting", int(n), signalNames[n]))
			return
		case syscall.SIGTTIN:
			action = fmt.Sprintf(", up logging level to %d", level.set(level.get()+1))
		case syscall.SIGTTOU:
			action = fmt.Sprintf(", down logging level to %d", level.set(level.get()-1))
		case syscall.SIGHUP:
			action = ", reopening log file"
			if err := sink.Reopen(); err != nil {
				action += ": " + err.Error()
			}
			if r, ok := nd.(certReloader); ok {
				action += ", reloading certificates"
				if err := r.ReloadCerts(); err != nil {
					action += ": " + err.Error()
				}
			}
		}
		log.Info(fmt.Sprintf("signal %d (%s) received%s", int(n), signalNames[n], action))
	}
}
