package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// readyTimeout bounds how long the parent waits for the daemon to report.
const readyTimeout = 30 * time.Second

// daemonSetup is what Dynomite's daemonize does besides forking: umask 0. The
// working directory is kept, as in Dynomite, so relative paths still work.
func daemonSetup() { syscall.Umask(0) }

// daemonize starts the daemon with args and returns the parent's exit code.
func daemonize(args []string, stderr io.Writer) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "dynomite: cannot daemonize: %v\n", err)
		return 1
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(stderr, "dynomite: cannot daemonize: %v\n", err)
		return 1
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(stderr, "dynomite: cannot daemonize: %v\n", err)
		return 1
	}
	defer r.Close()
	cmd := exec.Command(self, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.ExtraFiles = []*os.File{w} // fd 3
	cmd.Env = append(os.Environ(), readyFDEnv+"=3")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		fmt.Fprintf(stderr, "dynomite: cannot daemonize: %v\n", err)
		return 1
	}
	r.SetReadDeadline(time.Now().Add(readyTimeout))
	msg, err := io.ReadAll(r)
	reply := strings.TrimSpace(string(msg))
	switch {
	case reply == "ok":
		return 0
	case reply != "":
		fmt.Fprintf(stderr, "dynomite: %s\n", reply)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "dynomite: daemon (pid %d) is still starting after %v\n", cmd.Process.Pid, readyTimeout)
		return 0
	default:
		fmt.Fprintf(stderr, "dynomite: daemon (pid %d) exited during startup\n", cmd.Process.Pid)
		return 1
	}
}
