package e2e

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// TestSlowReader pipelines 400 GETs of a 1 MiB value and reads nothing for
// a while: the node's memory stays flat and other clients are served; then
// every reply arrives intact.
func TestSlowReader(t *testing.T) {
	const gets, pause = 400, 3 * time.Second
	node, _ := proxy(t, nil)
	val := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range val {
		val[i] = byte(rng.IntN(256))
	}
	other := enginetest.DialTB(t, node.Addr)
	other.Timeout = 10 * time.Second
	r, err := other.Do("SET", "slow:big", string(val))
	replyIs(t, "SET of 1 MiB", r, err, "+OK\r\n")
	before, err := enginetest.RSS(node.PID())
	if err != nil {
		t.Fatal(err)
	}
	rss := watchRSS(node.PID())

	slow := enginetest.DialTB(t, node.Addr)
	slow.Timeout = 60 * time.Second
	for range gets {
		slow.Send("GET", "slow:big")
	}
	if err := slow.Flush(); err != nil {
		t.Fatal(err)
	}

	// While the slow client reads nothing, another one keeps being served.
	end := time.Now().Add(pause)
	rounds := 0
	for time.Now().Before(end) {
		start := time.Now()
		v := fmt.Sprint(rounds)
		r, err := other.Do("SET", "slow:small", v)
		replyIs(t, "SET while a client does not read", r, err, "+OK\r\n")
		r, err = other.Do("GET", "slow:small")
		replyIs(t, "GET while a client does not read", r, err, fmt.Sprintf("$%d\r\n%s\r\n", len(v), v))
		if rounds%20 == 0 {
			r, err = other.Do("GET", "slow:big")
			if err != nil || !bytes.Equal(r.Str, val) {
				t.Fatalf("GET of the 1 MiB value while a client does not read: %v, %v", r, err)
			}
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("a round of the other client took %v while a client does not read", d)
		}
		rounds++
		time.Sleep(10 * time.Millisecond)
	}
	stalled := rss.Max()

	// Now read: all replies, in order, intact.
	for i := range gets {
		r, err := slow.Read()
		if err != nil {
			t.Fatalf("reply %d of %d: %v", i, gets, err)
		}
		if r.Type != '$' || !bytes.Equal(r.Str, val) {
			t.Fatalf("reply %d of %d: unexpected reply %v; want the 1 MiB value", i, gets, r)
		}
	}
	peak := rss.Stop()
	t.Logf("node RSS: %s before, max %s while the client did not read, max %s overall; other client: %d rounds",
		mib(before), mib(stalled), mib(peak), rounds)
	if stalled > rssLimit || peak > rssLimit {
		t.Fatalf("unexpected node memory with %d MiB of unread replies; max %s while stalled, %s overall; want under %s",
			gets, mib(stalled), mib(peak), mib(rssLimit))
	}
}
