package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
)

// TestConnMsgRateRemoteDC: with conn_msg_rate 5, a burst of 20 writes
// that each need the remote DC (DC_EACH_SAFE_QUORUM) sends 5 at once,
// queues about 5 more until their tokens are due, and answers the rest
// with the throttle error at once; the counters say so, and every write
// that succeeded reached the remote DC's datastore.
func TestConnMsgRateRemoteDC(t *testing.T) {
	members := []member{{"dc1", "rack1", []uint32{0}}, {"dc2", "rack1", []uint32{0}}}
	tc := startTestCluster(t, members, func(i int, p *conf.Pool) {
		p.ConnMsgRate = 5
		p.Timeout = 3 * time.Second
	})
	c := tc.client(0)
	expect(t, c, "+OK\r\n", "dyno_config:conn_consistency", "DC_EACH_SAFE_QUORUM")
	const n = 20
	for i := 0; i < n; i++ {
		if err := c.Send("SET", fmt.Sprintf("thr:%d", i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	var ok []int
	refused := 0
	for i := 0; i < n; i++ {
		r, err := c.Read()
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		switch {
		case !r.IsError():
			ok = append(ok, i)
		case strings.Contains(string(r.Str), "conn_msg_rate"):
			refused++
		default:
			t.Errorf("reply %d: unexpected error %q", i, r.Str)
		}
	}
	if len(ok) < 5 || len(ok) > 12 || refused == 0 {
		t.Fatalf("unexpected split of %d writes: %d succeeded (%v), %d refused; want 5..12 and some refused", n, len(ok), ok, refused)
	}
	st := tc.nodes[0].MembershipStats()
	if st.ThrottleRefused < int64(refused) || st.ThrottleDelayed == 0 {
		t.Errorf("unexpected throttle counters %+v after %d refusals", st, refused)
	}
	for _, i := range ok {
		if !tc.waitStored(1, fmt.Sprintf("thr:%d", i), "v", true, 5*time.Second) {
			t.Errorf("write thr:%d answered OK but is not in dc2's redis", i)
		}
	}
	if st := tc.nodes[1].MembershipStats(); st.ThrottleRefused != 0 {
		t.Errorf("the remote node refused copies it never sent: %+v", st)
	}
}
