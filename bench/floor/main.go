package floor

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"
)

// Main runs `dynomite-bench floor`: one forwarder until ctx ends or Redis
// goes away.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dynomite-bench floor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "client address (IPv4 host:port)")
	server := fs.String("server", "127.0.0.1:6379", "the Redis or memcached to forward to (IPv4 host:port)")
	proto := fs.String("protocol", "redis", "redis or memcache_text")
	replicas := fs.String("replicate", "", "comma-separated host:port of other floors, the other racks' replicas: writes are copied to each (Redis only)")
	quorum := fs.Bool("quorum", false, "with -replicate: every request goes to the datastore and each replica, and the client gets the first reply once a majority answered (DC_QUORUM)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("floor: unexpected argument %q", fs.Arg(0))
	}
	if *proto != "redis" && *proto != "memcache_text" {
		return fmt.Errorf("floor: -protocol %q: want redis or memcache_text", *proto)
	}
	runtime.GOMAXPROCS(1) // one loop thread; the runtime needs no more
	f, err := New(*listen, *server, *proto == "memcache_text")
	if err != nil {
		return err
	}
	defer f.Close()
	if *replicas != "" {
		if err := f.Replicate(strings.Split(*replicas, ","), *quorum); err != nil {
			return err
		}
	} else if *quorum {
		return fmt.Errorf("floor: -quorum needs -replicate")
	}
	go func() {
		<-ctx.Done()
		f.Shutdown()
	}()
	mode := ""
	if *replicas != "" {
		mode = ", replicas " + *replicas + " (DC_ONE)"
		if *quorum {
			mode = ", replicas " + *replicas + " (DC_QUORUM)"
		}
	}
	fmt.Fprintf(stdout, "floor forwarder listening on %s, %s at %s%s\n", f.Addr(), *proto, *server, mode)
	return f.Serve()
}
