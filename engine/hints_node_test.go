package engine

import (
	"bytes"
	"testing"

	"github.com/dynomite-go/dynomite/engine/hints"
)

// TestHintsRecordedForUnreachablePeers: with hints_dir, a write whose peer
// copies cannot be queued (the peers are never dialled) leaves one hint
// per peer and key, written to the file before the client's reply, and a
// read leaves none. Reopening the file finds them.
func TestHintsRecordedForUnreachablePeers(t *testing.T) {
	cfg := threeRackRigConfig()
	dir := t.TempDir()
	cfg.Pool.HintsDir = dir
	n, c, cfar, s, sfar := rigConns(t, Options{Config: cfg})
	if !n.conv.Hinting() {
		t.Fatal("no hint store with hints_dir set")
	}
	step := func(req, reply string) {
		t.Helper()
		c.OnInput([]byte(req))
		drain(t, sfar, make([]byte, 2*len(req)), len(req))
		s.OnServerInput([]byte(reply))
		if got := drain(t, cfar, make([]byte, 2*len(reply)), len(reply)); !bytes.Equal(got, []byte(reply)) {
			t.Fatalf("unexpected reply; got %q; want %q", got, reply)
		}
	}
	step("*3\r\n$4\r\nSADD\r\n$1\r\ns\r\n$1\r\nm\r\n", ":1\r\n")
	step("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "$-1\r\n")
	step("*3\r\n$3\r\nDEL\r\n$1\r\ns\r\n$1\r\nt\r\n", ":1\r\n")
	peers := n.cluster.topo.Load().Peers
	var addrs []string
	for _, p := range peers {
		if p != nil {
			addrs = append(addrs, p.Addr)
		}
	}
	st, err := hints.Open(hints.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, addr := range addrs {
		// s once (SADD, then DEL: still one hint), t; k was read.
		keys := st.Pending(addr, 10)
		if len(keys) != 2 || string(keys[0]) != "s" || string(keys[1]) != "t" {
			t.Errorf("unexpected hints for %s in the file; got %q; want [s t]", addr, keys)
		}
	}
	if got := len(st.Targets()); got != 2 {
		t.Errorf("unexpected hint targets; got %d; want 2", got)
	}
}
