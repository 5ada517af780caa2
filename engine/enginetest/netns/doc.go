// Package netns gives a test several hosts on one machine: Linux network
// namespaces, each with its own address on a private bridge, whose links
// the test can cut and heal (partitions without netem), and an in-process
// TCP proxy that adds latency (toxiproxy) for slow links.
//
//	root namespace:  bridge nb<id> 10.251.X.1/24 ─┬─ veth ─ namespace 0: eth0 10.251.X.2
//	                                              ├─ veth ─ namespace 1: eth0 10.251.X.3
//	                                              └─ ...
//
// New needs root (ip netns, ip link); CI and the development machines run
// tests as root. Every name carries the test process's PID and a counter, so
// parallel runs and parallel tests do not collide; the /24 is chosen among
// those no interface of the root namespace uses. Cleanup (registered with
// t.Cleanup, so it also runs when a test fails) kills every process started
// from a Host.Command that is still running, by its PID, then deletes the
// namespaces and the bridge.
//
// Host.SetResolver points a namespace's resolver at a DNS server of the
// test (ip netns exec mounts /etc/netns/<name>/resolv.conf), removed at
// cleanup.
//
// Imports: the standard library and toxiproxy; nothing of this module.
//
// Concurrency: a Net's methods may be called from any goroutine; Cut and
// Heal of one host must not race each other.
package netns
