// Package hints keeps the writes a replica missed, by key, so that they can
// be copied to it once it is back (hinted handoff).
//
// A hint is a (target, key) pair: the target is the name or address of the
// node that missed a write, the key is the key written. The command is not
// kept: replay copies the key's current value from this node's own rack to
// the target (see engine/hints/replay), which is idempotent for every data
// type. Adding the same pair again while it is pending changes nothing.
//
// The Store is bounded in count and bytes; past either bound the oldest hint
// (over all targets) is dropped and counted. Hints live in memory and in one
// append-only file under a directory; on Open the file is read back, a torn
// or corrupt tail is cut off, and the file is rewritten (compacted) once most
// of its records are replayed or dropped ones.
//
// Durability: Add only buffers a record; Flush writes the buffered records
// with one write(2). Once Flush returned, a process killed with SIGKILL
// loses none of them (the kernel holds the bytes); the caller flushes before
// it acknowledges the write that the hint stands for. Sync (and every Flush
// when Options.SyncEach is set) adds fsync(2), which makes the records
// survive a machine crash too. Compaction writes a new file, fsyncs it and
// renames it over the old one.
//
// A nil *Store is a disabled store: Add and Flush do nothing and cost
// nothing, so the engine may call them unconditionally.
//
// Concurrency: every method may be called from any goroutine; a mutex
// guards the store and is held for the duration of one call (a Flush or a
// compaction writes the file while holding it).
//
// This package imports only the standard library.
package hints
