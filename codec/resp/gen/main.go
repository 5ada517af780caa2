// Command gen writes the resp package's command table (zz_commands.go) from
// the COMMAND reply of a real redis-server 7.0.
//
//	go generate ./codec/resp         (runs: go run ./gen -o zz_commands.go)
//	go run ./gen -addr 127.0.0.1:6379 -o zz_commands.go   (use a running server)
//
// Without -addr it starts redis-server on a free loopback port with no
// persistence, asks it, and stops it by its process id. The work is done by
// package internal/cmdgen, which a test also runs to check that the
// committed table matches the installed server.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/dynomite-go/dynomite/codec/resp/internal/cmdgen"
)

func main() { os.Exit(run()) }

// run does the work; deferred calls (stopping the server) run before exit.
func run() int {
	out := flag.String("o", "zz_commands.go", "output file")
	addr := flag.String("addr", "", "address of a running redis-server (default: start one)")
	server := flag.String("server", "redis-server", "redis-server binary to start")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("gen: ")

	a := *addr
	if a == "" {
		stop, started, err := cmdgen.StartServer(*server)
		if err != nil {
			log.Printf("cannot start %s: %v", *server, err)
			return 1
		}
		defer stop()
		a = started
	}
	src, err := cmdgen.Generate(a)
	if err != nil {
		log.Print(err)
		return 1
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Printf("cannot write %s: %v", *out, err)
		return 1
	}
	return 0
}
