package engine

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/replica"
)

// TestAdminChangesUnderLoad changes the node state, the consistency
// defaults, the timeout factor and the log level over HTTP while clients
// run SET/GET and connect anew: every reply must be the datastore's or the
// invalid-state error, and -race must stay quiet.
func TestAdminChangesUnderLoad(t *testing.T) {
	r := enginetest.Redis(t)
	cfg := testConfig(r.Addr)
	cfg.Pool.StatsListen = conf.Addr{Network: "tcp", Host: "127.0.0.1", Raw: "127.0.0.1:0"}
	n := startNode(t, cfg)
	base := "http://" + n.StatsAddr().String()
	invalid := "-ERR " + replica.InvalidState.Text() + "\r\n"

	stop := make(chan struct{})
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			for round := 0; ; round++ {
				select {
				case <-stop:
					return
				default:
				}
				c := enginetest.DialTB(t, n.ClientAddr().String())
				c.Timeout = 10 * time.Second
				for j := 0; j < 20; j++ {
					k := fmt.Sprintf("race:%d", id)
					if rep, err := c.Do("SET", k, "v"); err != nil || (string(rep.Raw) != "+OK\r\n" && string(rep.Raw) != invalid) {
						errs <- fmt.Errorf("unexpected SET reply %v, %v", rep, err)
						return
					}
					if rep, err := c.Do("GET", k); err != nil || (string(rep.Raw) != "$1\r\nv\r\n" && string(rep.Raw) != invalid &&
						string(rep.Raw) != "$-1\r\n") {
						errs <- fmt.Errorf("unexpected GET reply %v, %v", rep, err)
						return
					}
				}
				c.Close()
			}
		}(i)
	}
	paths := []string{
		"/state/standby", "/state/writes_only", "/state/resuming", "/state/normal",
		"/set_consistency/read/dc_quorum", "/set_consistency/write/dc_safe_quorum",
		"/set_timeout_factor/3", "/set_timeout_factor/1", "/loglevelup", "/logleveldown",
		"/read_repairs/enable", "/read_repairs/disable", "/info", "/metrics", "/cluster_describe",
	}
	cl := &http.Client{Timeout: 10 * time.Second}
	for i := 0; i < 150; i++ {
		resp, err := cl.Get(base + paths[i%len(paths)])
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("unexpected status of %s: %d", paths[i%len(paths)], resp.StatusCode)
		}
	}
	n.SetState(admin.Normal)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := n.TimeoutFactor(); got != 1 {
		t.Fatalf("unexpected timeout factor; got %d; want 1", got)
	}
	if rd, wr := n.Consistency(); rd != replica.DCQuorum || wr != replica.DCSafeQuorum {
		t.Fatalf("unexpected consistency; got %v, %v", rd, wr)
	}
	if got := n.requestTimeout(); got != cfg.Pool.Timeout {
		t.Fatalf("unexpected request timeout; got %v; want %v", got, cfg.Pool.Timeout)
	}
	n.SetTimeoutFactor(4)
	if got := n.requestTimeout(); got != 4*cfg.Pool.Timeout {
		t.Fatalf("unexpected request timeout at factor 4; got %v; want %v", got, 4*cfg.Pool.Timeout)
	}
	if !strings.HasPrefix(n.StatsAddr().String(), "127.0.0.1:") {
		t.Fatalf("unexpected stats address %v", n.StatsAddr())
	}
}
