//go:build !race

package engine

import "testing"

// TestAllocsForwardPipelinedGET pins the engine's own steady-state forward
// path to zero allocations: a client input batch of 16 pipelined GETs is
// parsed, admitted, queued with their msgs and written to the datastore
// socket with one send (the inline write of an idle connection), then the
// 16 replies read from the datastore are matched, copied to the client's
// output and written with one send. Client and datastore are socketpairs
// whose far ends the test reads. Not measured: netpoll's own read into its
// buffer before OnRequest, and the writer goroutine path taken when
// requests are already in flight.
func TestAllocsForwardPipelinedGET(t *testing.T) {
	const depth = 16
	n, round := forwardRig(t, depth)
	sends := n.sends.Load()
	round()
	if d := n.sends.Load() - sends; d != 1 {
		t.Fatalf("unexpected datastore sends for %d pipelined requests; got %d; want 1", depth, d)
	}
	if allocs := testing.AllocsPerRun(1000, round); allocs != 0 {
		t.Fatalf("unexpected allocations per forward of %d pipelined GETs; got %v; want 0", depth, allocs)
	}
	if got := n.env.Inflight.Load(); got != 0 {
		t.Fatalf("unexpected msgs left in flight; got %d; want 0", got)
	}
}
