package membership_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/membership"
	"github.com/dynomite-go/dynomite/ring"
)

// Two GOSSIP_SYN frames as C Dynomite wrote them on a peer link, in a
// cluster of three racks (127.0.0.11 the C node, .12 and .13 this
// implementation, dyn_listen port 8101 everywhere). The first is C's state
// table before it heard from rack3: a never-seen node carries ts 1010101
// and DOWN.
const (
	cFrameEarly = "   $2014$ 3 7 0 1 1 *1 a *104\r\n" +
		"dc1$rack1$0,1796587447,4,127.0.0.11|dc1$rack2$0,1796587447,7,127.0.0.12|dc1$rack3$0,1010101,8,127.0.0.13"
	cFrameLater = "   $2014$ 8 7 0 1 1 *1 a *107\r\n" +
		"dc1$rack1$0,1796587455,4,127.0.0.11|dc1$rack2$0,1796587454,4,127.0.0.12|dc1$rack3$0,1796587455,4,127.0.0.13"
)

// cPayload splits a captured frame into its header and payload.
func cPayload(t *testing.T, frame string) (hdr, payload []byte) {
	t.Helper()
	i := bytes.Index([]byte(frame), []byte("\r\n"))
	if i < 0 {
		t.Fatalf("no header end in %q", frame)
	}
	return []byte(frame[:i+2]), []byte(frame[i+2:])
}

func TestGossipFromCDynomite(t *testing.T) {
	// Our frames are byte for byte C's: same header for the same id,
	// type, flags and length.
	for _, f := range []string{cFrameEarly, cFrameLater} {
		hdr, payload := cPayload(t, f)
		id := uint64(3)
		if f == cFrameLater {
			id = 8
		}
		if got := membership.AppendFrame(nil, id, true, payload); string(got) != f {
			t.Errorf("unexpected frame\ngot  %q\nwant %q (header %q)", got, f, hdr)
		}
	}

	now := time.Unix(1796587456, 0)
	g, err := membership.NewGossiper(membership.GossipConfig{
		Self: node("127.0.0.12:8101", "dc1", "rack2", 0),
		Peers: []ring.Node{
			node("127.0.0.11:8101", "dc1", "rack1", 0),
			node("127.0.0.13:8101", "dc1", "rack3", 0),
		},
		Enabled:  true,
		Interval: time.Second,
		Hash:     ring.Murmur,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, early := cPayload(t, cFrameEarly)
	if err := g.Receive("127.0.0.11:40000", early, now); err != nil {
		t.Fatalf("unexpected error on C's early table: %v", err)
	}
	if st := g.Stats(); st.BadRecords != 0 || st.Added != 0 || st.Readdressed != 0 {
		t.Errorf("unexpected stats after C's early table: %+v", st)
	}
	// C's stale DOWN for rack3 (ts 1010101) must not mark it down; rack1
	// is NORMAL at C's timestamp; this node is NORMAL once it heard C.
	want := "dc1$rack1$0,NORMAL,127.0.0.11:8101|dc1$rack2$0,NORMAL,127.0.0.12:8101|dc1$rack3$0,DOWN,127.0.0.13:8101|"
	if v := view(g); v != want {
		t.Errorf("unexpected table after C's early table\ngot  %s\nwant %s", v, want)
	}
	_, later := cPayload(t, cFrameLater)
	if err := g.Receive("127.0.0.11:40000", later, now); err != nil {
		t.Fatalf("unexpected error on C's later table: %v", err)
	}
	want = "dc1$rack1$0,NORMAL,127.0.0.11:8101|dc1$rack2$0,NORMAL,127.0.0.12:8101|dc1$rack3$0,NORMAL,127.0.0.13:8101|"
	if v := view(g); v != want {
		t.Errorf("unexpected table after C's later table\ngot  %s\nwant %s", v, want)
	}
	for _, m := range g.Table() {
		if m.Rack == "rack1" && m.TS != 1796587455 {
			t.Errorf("unexpected ts of rack1; got %d; want C's 1796587455", m.TS)
		}
	}
	if st := g.Stats(); st.Received != 2 || st.BadRecords != 0 || st.Added != 0 || st.Readdressed != 0 {
		t.Errorf("unexpected stats after both tables: %+v", st)
	}
	// C names a replaced node by its host alone: rack3's token moved to
	// 127.0.0.23 is followed at this node's port.
	moved := []byte("dc1$rack1$0,1796587460,4,127.0.0.11|dc1$rack3$0,1796587460,4,127.0.0.23")
	if err := g.Receive("127.0.0.11:40000", moved, now); err != nil {
		t.Fatalf("unexpected error on C's table naming a moved node: %v", err)
	}
	want = "dc1$rack1$0,NORMAL,127.0.0.11:8101|dc1$rack2$0,NORMAL,127.0.0.12:8101|dc1$rack3$0,NORMAL,127.0.0.23:8101|"
	if v := view(g); v != want {
		t.Errorf("unexpected table after C moved rack3\ngot  %s\nwant %s", v, want)
	}
	if st := g.Stats(); st.Readdressed != 1 {
		t.Errorf("unexpected Readdressed; got %d; want 1", st.Readdressed)
	}
}
