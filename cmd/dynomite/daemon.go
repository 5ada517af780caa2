package main

import (
	"os"
	"strconv"
)

// The daemon handshake. Go cannot fork, so -d re-executes the binary with the
// same arguments minus -d, in a new session with stdio on /dev/null, and
// passes it the write end of a pipe as fd 3 (named by readyFDEnv). The
// daemon writes "ok\n" once it serves and its pid file is written, or the
// reason it failed; the parent prints that reason and exits 1, or exits 0 on
// "ok". This way `dynomite -d` still reports a bad listen address on the
// terminal, and init systems see the pid file when the parent exits.

const readyFDEnv = "DYNOMITE_DAEMON_READY_FD"

// readiness is the daemon's end of the handshake; a nil *readiness (not a
// daemon) ignores every call.
type readiness struct {
	f *os.File
}

// daemonChild returns the handshake when this process is a re-executed
// daemon, and nil otherwise.
func daemonChild() *readiness {
	v := os.Getenv(readyFDEnv)
	if v == "" {
		return nil
	}
	os.Unsetenv(readyFDEnv)
	fd, err := strconv.Atoi(v)
	if err != nil {
		return nil
	}
	daemonSetup()
	return &readiness{f: os.NewFile(uintptr(fd), "daemon-ready")}
}

func (r *readiness) ok() { r.send("ok\n") }

func (r *readiness) fail(err error) { r.send(err.Error() + "\n") }

func (r *readiness) send(msg string) {
	if r == nil || r.f == nil {
		return
	}
	r.f.WriteString(msg)
	r.f.Close()
	r.f = nil
}
