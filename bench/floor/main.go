package floor

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
)

// Main runs `dynomite-bench floor`: one forwarder until ctx ends or Redis
// goes away.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dynomite-bench floor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "client address (IPv4 host:port)")
	server := fs.String("server", "127.0.0.1:6379", "the Redis to forward to (IPv4 host:port)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("floor: unexpected argument %q", fs.Arg(0))
	}
	runtime.GOMAXPROCS(1) // one loop thread; the runtime needs no more
	f, err := New(*listen, *server)
	if err != nil {
		return err
	}
	defer f.Close()
	go func() {
		<-ctx.Done()
		f.Shutdown()
	}()
	fmt.Fprintf(stdout, "floor forwarder listening on %s, Redis at %s\n", f.Addr(), *server)
	return f.Serve()
}
