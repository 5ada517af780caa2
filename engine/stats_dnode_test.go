package engine

import (
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/stats"
)

// Requests from peers wait in node 1's dnode client queues while its
// datastore is paused: in the in queue until answered, in the out queue
// until their replies have gone back; a reply the node makes up (an
// unknown command behind them) is only in the out queue. The requests are
// a copy of a write through node 0 (node 0 sends one: its next copies
// wait for the reply) and a pipeline written to node 1's peer port. Once
// the pause is over, both queues are back to 0.
func TestStatsDnodeClientQueues(t *testing.T) {
	tc := startTestCluster(t, twoRackMembers(), func(_ int, p *conf.Pool) { p.Timeout = 30 * time.Second })
	n1 := tc.nodes[1]
	queues := []stats.Metric{stats.DnodeClientInQueue, stats.DnodeClientInQueueBytes,
		stats.DnodeClientOutQueue, stats.DnodeClientOutQueueBytes}
	before := snap(n1)
	for _, m := range queues {
		if v := before.Value(m); v != 0 {
			t.Fatalf("%s is %d on an idle node; want 0", m, v)
		}
	}

	// A paused redis-server runs no command of any client until the pause
	// ends (CLIENT UNPAUSE would wait too).
	pause := enginetest.DialTB(t, tc.redis[1].Addr)
	expect(t, pause, "+OK\r\n", "CLIENT", "PAUSE", "3000")

	set := []string{"SET", "dq:k", "v"}
	expect(t, tc.client(0), "+OK\r\n", set...) // node 0's own rack answers
	reqBytes := respLen(set...)
	pc, err := net.Dial("tcp", n1.PeerAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	const gets = 4
	var frames, want []byte
	for i := 1; i <= gets; i++ {
		get := fmt.Sprintf("*2\r\n$3\r\nGET\r\n$4\r\ndq:%d\r\n", i)
		frames = append(frames, dnodeFrame(uint64(i), dnode.TypeReq, get)...)
		want = append(want, dnodeFrame(uint64(i), dnode.TypeRes, "$-1\r\n")...)
		reqBytes += int64(len(get))
	}
	frames = append(frames, dnodeFrame(gets+1, dnode.TypeReq, "*1\r\n$9\r\nNOSUCHCMD\r\n")...)
	want = append(want, dnodeFrame(gets+1, dnode.TypeRes, string(resp.ErrUnknownCommand(nil, []byte("NOSUCHCMD"), nil)))...)
	if _, err := pc.Write(frames); err != nil {
		t.Fatal(err)
	}

	waitStat(t, n1, stats.DnodeClientInQueue, 1+gets)
	waitStat(t, n1, stats.DnodeClientOutQueue, 1+gets+1)
	busy := snap(n1)
	for _, c := range []struct {
		m    stats.Metric
		want int64
	}{
		{stats.DnodeClientInQueue, 1 + gets},
		{stats.DnodeClientInQueueBytes, reqBytes},
		{stats.DnodeClientOutQueue, 1 + gets + 1},
		{stats.DnodeClientOutQueueBytes, reqBytes}, // the made-up reply has no request bytes
	} {
		if got := busy.Value(c.m); got != c.want {
			t.Errorf("paused datastore: %s is %d; want %d", c.m, got, c.want)
		}
	}

	got := make([]byte, len(want))
	_ = pc.SetReadDeadline(time.Now().Add(15 * time.Second))
	if _, err := io.ReadFull(pc, got); err != nil {
		t.Fatalf("cannot read the replies: %v (got %q)", err, got)
	}
	if string(got) != string(want) {
		t.Fatalf("unexpected reply frames; got %q; want %q", got, want)
	}
	for _, m := range queues {
		waitStat(t, n1, m, 0)
	}
	moved(t, "node 1", before, snap(n1), map[stats.Metric]int64{
		stats.WriteRequests: 1, // node 0's copy
		stats.ReadRequests:  gets,
	})
}
