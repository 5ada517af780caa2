// Package membership finds the other nodes of the cluster and judges which
// of them are reachable (docs/compat.md §6, §9.3): the seed providers of
// `dyn_seed_provider`, the Poller that turns their answers into new ring
// snapshots, the Gossiper that keeps C Dynomite's gossip node table, and
// the Detector that marks peers DOWN after repeated failures.
//
//	Provider.Fetch ──text──▶ Poller.Poll ──seeds.Parse, seeds.Build──▶ OnChange(snapshot)
//	   (simple, florida, dns)    every Interval; acts only on a changed list;
//	                             a failure keeps the last good list, is counted
//	                             and logged at most once per LogEvery
//
//	engine request path ──Allow(peer, now)──▶ Detector ◀──Failure/Success/Gossip── engine
//
//	Run: every gos_interval ──Tick(now)──▶ []Message ──Transport.Send──▶ peer links (AppendFrame)
//	GOSSIP_SYN payload ──Receive(from, payload, now)──▶ Gossiper ──▶ OnChange(snapshot), Detector.Gossip
//	Poller.OnChange(seeds) ──Seeds(list, now)──▶ Gossiper (when gossip is on)
//
// Two leaf parts of the peer links sit here too: Throttle, the
// `conn_msg_rate` token bucket toward a remote-DC peer, and
// BroadcastAddress, the host `env` says this node announces.
//
// The package reads no environment variable and keeps no global state:
// Options carry a Getenv func (the dynomite command passes os.Getenv), a
// *net.Resolver and *http.Client values that tests replace.
//
// Imports: the standard library, ring (and its sub-packages), conf and
// codec; never engine or another package under it.
//
// Concurrency: a Provider may be used by one Fetch at a time. A Poller's
// Poll and Run must not overlap; Stats and Last may be called from any
// goroutine. Every Gossiper method is safe for concurrent use (one lock);
// its callbacks run under that lock and must not call it back. Every Detector method is safe for concurrent use and
// allocation-free (atomics per peer).
package membership
