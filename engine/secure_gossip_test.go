package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/admin"
)

// TestGossipOverEncryptedLinks: with secure_server_option all, every
// GOSSIP_SYN travels encrypted; the receivers decrypt them, so the
// gossip tables converge as on plain links and none is rejected.
func TestGossipOverEncryptedLinks(t *testing.T) {
	pem := testPemPath(t)
	tc := startTestCluster(t, threeRackMembers(), func(_ int, p *conf.Pool) {
		p.EnableGossip, p.GosInterval = true, 50*time.Millisecond
		p.SecureServerOption, p.PemKeyFile = "all", pem
	})
	for i, n := range tc.nodes {
		waitGossip(t, 5*time.Second, fmt.Sprint("gossip table of node ", i), func() string { return tc.tableOK(n) })
		if st := admin.State(n.adm.state.Load()); st != admin.Normal {
			t.Fatalf("node %d is %v after gossip converged; want NORMAL", i, st)
		}
		if st := n.Gossiper().Stats(); st.Received == 0 || st.Sent == 0 || st.BadPayloads != 0 {
			t.Fatalf("node %d gossip stats %+v; want frames sent and received, none bad", i, st)
		}
	}
}
