// Package warm fills a datastore from a healthy one and compares two of
// them: the core of warm-up, rack repair and the anti-entropy check.
//
// Both walk the source with SCAN cursor COUNT n and keep the keys an
// ownership predicate accepts (the engine passes the ring's: the keys this
// node owns). Warmer copies them with replay.Copier (DUMP/RESTORE in
// pipelined, rate-limited batches), reports progress, and saves the SCAN
// cursor in a checkpoint file after every page, so that a restart goes on
// from there. Redis's SCAN returns every key present for the whole walk at
// least once, whichever cursor it restarts from; keys written meanwhile
// reach the target as ordinary replicated writes.
//
// Compare holds one SCAN page at a time: memory is bounded by the page and
// the largest value, not by the key count.
//
// A Warmer or a Compare and its Conns belong to one goroutine.
//
// The package imports the standard library and engine/hints/replay.
package warm
