// Package matrix runs the benchmark matrix behind `make bench`: every
// workload against every target, targets interleaved for a number of
// repetitions in an order that rotates every repetition, and a table of
// medians with each target's ratio to Redis direct and, with -baseline, each
// node's ratio to the same node running another binary.
//
//	targets (started here on loopback, stopped by PID at the end):
//	  redis          redis-server direct (unless -direct=false)
//	  dyn-1          one dynomite-go node in front of its own redis-server
//	  dyn-3-one      3 racks x 1 node, DC_ONE      (with -cluster)
//	  dyn-3-quorum   3 racks x 1 node, DC_QUORUM   (with -cluster)
//	  dyn-1-nostats  dyn-1 built with -tags nostats (stats off), run right
//	                 after dyn-1 in every rep (with -stats-cost); the matrix
//	                 then reports dyn-1 / dyn-1-nostats: the stats' cost
//	  memcached      memcached direct                 (with -memcached)
//	  dyn-1-mc       one node, data_store 1, in front of its own memcached
//	                 (with -memcached); memcached targets run only the mc-*
//	                 workloads, whose ratios are to memcached direct
//	  floor          the smallest forwarder (package bench/floor, run as
//	                 `dynomite-bench floor`) in front of its own redis-server
//	                 (unless -floor=false): one thread, raw epoll, no
//	                 routing, stats or limits; what any proxy process costs
//	                 on the machine
//	  floor-mc       the same in front of memcached (with -memcached)
//	  floor-3-one, floor-3-quorum
//	                 with -cluster (unless -floor=false): three floors, each
//	                 in front of its own redis-server, the first copying
//	                 requests to the others (`dynomite-bench floor -replicate`,
//	                 DC_ONE or DC_QUORUM): the least a replicating proxy does
//	  base-1, base-3-one, base-3-quorum, base-1-mc
//	                 with -baseline PATH, the twin of every node target
//	                 above: the same configuration, racks, consistency and
//	                 datastores, started and stopped the same way, running
//	                 the binary PATH (a build of main, say); the matrix
//	                 reports node / twin per workload (median over reps of
//	                 the same-rep ratio) and whether it is within 5%
//	  c-1, c-3-one, c-3-quorum, c-1-mc
//	                 with -dynomite-c PATH (or DYNOMITE_C), the same twins
//	                 running C Dynomite with the node's YAML (peers.go)
//	  twem-1, twem-1-mc
//	                 twemproxy (nutcracker, unless -twemproxy "") in front of
//	                 its own datastore, the twin of dyn-1 (dyn-1-mc)
//	                 the table gives every node's ratio to each twin: the
//	                 columns vs base, vs C, vs twem
//
//	enc-3-quorum, ptls-3-quorum, ctls-1
//	                 with -secure (secure.go): dyn-3-quorum with Dynomite's
//	                 peer encryption, with peer_tls, and dyn-1 with
//	                 client_tls (the load speaks TLS); each the twin of its
//	                 plain target, reported as secure / plain on the mix
//	flo-3, swap-3    with -swap (swap.go): 3 racks, the first node run as
//	                 `dynomite-bench node` with florida seeds polled every
//	                 second; swap-3's list readdresses rack 3 every second
//
//	after the matrix, on clusters of their own: -convergence (converge.go),
//	p99 during a warm-up and warm-up keys/s against redis-cli --pipe;
//	-pubsub (pubsub.go), fan-out to 100 subscribers over 3 nodes
//
//	order: a node and its twins (base-*, dyn-1-nostats) form a unit that
//	runs back to back, every other target is a unit of its own; rep r
//	rotates the units, and the members of every unit, by r-1, so that no
//	target always runs first.
//
//	workloads:
//	  mix      1:10 SET:GET, 32 B values, 2 threads x 25 clients
//	  pipe16   mix with --pipeline=16
//	  1k       1:1 SET:GET, 1 KiB values, 2 threads x 25 clients
//	  mix-2x4, pipe16-2x4, 1k-2x4
//	           the same three at 2 threads x 4 clients, the shape the
//	           single-node and cluster targets are stated in
//	  fanin    mix with 2 threads x 50 clients
//	  latency  mix with 1 thread x 1 client
//	  mc-mix   mix over memcached's text protocol (with -memcached)
//
// The load comes from the built-in generator (package bench, run in this
// process), from memtier_benchmark when it is on PATH (or given with -memtier
// or MEMTIER), or from redis-benchmark as a second opinion. For every run the
// matrix reads the CPU time (utime+stime of /proc/PID/stat) of every process
// of the target and reports it in microseconds per request by kind
// (cpukind.go): the coordinator (the process the clients talk to), each
// replica (the other nodes of a cluster), the datastores; with the peak RSS
// (VmHWM) of the measured processes. Next to the JSON it draws the ratio
// column as a chart, SVG and PNG (chart.go).
//
// Soak (dynomite-bench soak, make soak) uses the same targets, workloads and
// generator for the memory bound of one node: one workload against dyn-1 (or
// dyn-1-mc) for minutes, the node's VmRSS sampled every interval, and a
// verdict on the peak and on the growth and least-squares slope after a
// warm-up.
//
// Processes are started with engine/enginetest. Main is not safe for
// concurrent use: it owns the processes it starts.
package matrix
