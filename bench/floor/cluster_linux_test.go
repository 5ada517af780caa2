package floor

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// cluster starts three redis-servers, a plain floor in front of the second
// and the third (the replicas) and a floor in front of the first that
// replicates to them; it returns the coordinator's address and the three
// datastores.
func cluster(t *testing.T, quorum bool) (string, [3]*enginetest.Proc) {
	t.Helper()
	var rs [3]*enginetest.Proc
	for i := range rs {
		r, err := enginetest.StartRedis(enginetest.RedisOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		rs[i] = r
	}
	peers := []string{serve(t, rs[1].Addr, false), serve(t, rs[2].Addr, false)}
	addr := serveWith(t, rs[0].Addr, false, func(f *Floor) error { return f.Replicate(peers, quorum) })
	return addr, rs
}

// Under DC_ONE and DC_QUORUM the cluster floor answers two pipelining
// clients in order, and every write reaches the three datastores; reads
// reach the replicas under DC_QUORUM only.
func TestReplicates(t *testing.T) {
	for _, quorum := range []bool{false, true} {
		t.Run(fmt.Sprintf("quorum=%v", quorum), func(t *testing.T) {
			addr, rs := cluster(t, quorum)
			const n = 200
			clients := pipeline(t, addr, 2, n, func(i, j int) [][]string {
				k := fmt.Sprintf("k%d:%d", i, j)
				return [][]string{{"SET", k, k}, {"GET", k}}
			})
			for i, c := range clients {
				for j := 0; j < n; j++ {
					k := fmt.Sprintf("k%d:%d", i, j)
					if r, err := c.Read(); err != nil || r.String() != "OK" {
						t.Fatalf("client %d SET %d: %v, %v", i, j, r, err)
					}
					if r, err := c.Read(); err != nil || r.Type != '$' || string(r.Str) != k {
						t.Fatalf("client %d GET %d: %v, %v; want %q", i, j, r, err, k)
					}
				}
			}
			for s, r := range rs {
				d, err := enginetest.Dial(r.Addr)
				if err != nil {
					t.Fatal(err)
				}
				defer d.Close()
				var size *enginetest.Reply
				for start := time.Now(); time.Since(start) < 5*time.Second; time.Sleep(10 * time.Millisecond) {
					if size, err = d.Do("DBSIZE"); err != nil || size.Int == 2*n {
						break
					}
				}
				if err != nil || size.Int != 2*n {
					t.Fatalf("datastore %d holds %v keys (%v), want %d", s, size, err, 2*n)
				}
				info, err := d.Do("INFO", "commandstats")
				if err != nil {
					t.Fatal(err)
				}
				gets := fmt.Sprintf("cmdstat_get:calls=%d,", 2*n)
				if s > 0 && !quorum {
					gets = "cmdstat_get:"
				}
				if got := strings.Contains(string(info.Str), gets); got != (s == 0 || quorum) {
					t.Fatalf("datastore %d: %q in INFO commandstats is %v:\n%s", s, gets, got, info.Str)
				}
			}
		})
	}
}
