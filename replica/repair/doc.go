// Package repair holds the pure part of C Dynomite's read repair (spec
// §3.6, docs/compat.md "Read repair"): how a command is rewritten into an
// EVAL that also keeps the timestamp metadata sets, and which replica's
// reply wins a repairable read and which replicas need a repair write.
//
// Nothing here sends anything or reads a clock: the caller supplies the
// coordinator's millisecond timestamp and the replicas' replies, and sends
// what these functions return. The Lua script bodies are a parameter of
// AppendEval: the argument layout (KEYS and ARGV) is what a C node and
// this one must agree on, since a peer executes the EVAL it receives as is.
// Script and CleanupScript give this project's bodies (lua/*.lua); they
// keep the metadata sets as C's do, so replicas written by either agree.
//
// The package imports the standard library and codec/resp; its tests run
// the scripts on a real redis-server.
package repair
