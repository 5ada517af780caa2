// Package floor is the smallest Redis (or memcached) forwarder that does
// what a proxy must do on every request, and nothing else: read a client's
// requests, send them to the datastore on one shared connection, match the
// replies in order and write them back. It is one OS thread with one
// level-triggered epoll instance and raw system calls; requests and replies
// are framed by the project's codecs (codec/resp, codec/memcache); there
// are no timeouts, stats, routing or limits.
//
// It exists to be measured next to the node (`make bench` runs it): the
// gap between the floor and the datastore direct is what the kernel and a
// second process cost on the machine, the gap between the node and the
// floor is what the engine adds. It is not a proxy to deploy: a client
// that never reads its replies grows its buffer without bound.
//
// With replicas (Floor.Replicate, `-replicate`; cluster_linux.go) it is the
// smallest replicating forwarder: it copies writes (DC_ONE) or every request
// (DC_QUORUM, `-quorum`) to other floors, each in front of its own datastore,
// as a coordinator node copies requests to the other racks, with plain RESP
// and nothing of the dnode protocol.
//
// It runs on Linux only (floor_linux.go); elsewhere New fails with an
// error saying so (floor_other.go).
package floor
