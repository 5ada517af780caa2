// Package enginetest starts real datastores and dynomite nodes on free loopback
// ports for tests and tools, the way net/http/httptest starts HTTP servers.
//
// It owns:
//
//   - FreePort: a free TCP port on 127.0.0.1.
//   - Proc: one child process (redis-server, memcached or dynomite) started by
//     StartRedis, StartMemcached or StartDynomite, which return only once the
//     process answers on its client address. Stop (SIGTERM, then SIGKILL after
//     a bound), Kill (SIGKILL) and Restart (same arguments, same port) act on
//     the process by its PID and wait for it to exit. Output is captured in a
//     log file; Proc.Log returns its tail.
//   - Build: compiles ./cmd/dynomite of this module once per process.
//   - NodeConfig, SingleNode, Cluster and ClusterOf: Dynomite YAML for one
//     node, for racks of nodes, or for any placement over datacenters and
//     racks, with tokens and dyn_seeds; StartCluster starts such a cluster,
//     each node with its own datastore.
//   - Client: a small RESP client that writes raw bytes or commands and reads
//     whole replies of any type and nesting, keeping their exact bytes. Its
//     reply reader is deliberately independent of codec/resp: tests use it to
//     judge a node built on codec/resp, so it must not share that framing code.
//   - OpenFDs, RSS and PeakRSS: a process's open file descriptors and
//     resident memory read from /proc; Proc.Stacks: the goroutine stacks of a
//     running Go program (it is aborted to print them).
//   - TB wrappers (Redis, Memcached, Node, NodeYAML, Proxy, BuildDynomite,
//     DialTB) that fail the test on error and stop the process in Cleanup;
//     when the test failed, Cleanup first logs the tail of the process's
//     output and, for a node still running, its goroutines. They take the TB interface declared
//     here, so this package never imports package testing and can be linked
//     into ordinary binaries (bench, cmd/dynomite-run).
//
// Concurrency: a Proc's methods may be called from several goroutines; Stop,
// Kill and Restart are serialised. A Client is not safe for concurrent use: give
// each goroutine its own. Build may be called concurrently; the first call
// builds and the others wait for it.
//
// The package is Linux-only in practice: it reads /proc and asks the kernel to
// kill children when the parent dies.
package enginetest
