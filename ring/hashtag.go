package ring

import "bytes"

// HashTag returns the part of key that is hashed when the configuration
// sets `hash_tag` (docs/compat.md §4.4). tag is "" (no hash tag: the whole key) or two
// bytes, an opening and a closing character such as "{}".
//
// The key is searched for the first opening character, then for the first
// closing character after it; the bytes strictly between them are hashed.
// When either is missing the whole key is hashed. The full key is still what
// the datastore sees; this only decides placement.
//
// Empty tag: for a key such as "{}user" C Dynomite hashes zero bytes and
// sends the request to whichever node received it, so the key lands on a
// different node depending on where it was written and cannot be read
// back through other nodes. We hash the whole key instead (the rule Redis
// Cluster uses for an empty tag), which places it like any other key.
//
// The result is a sub-slice of key (no copy). A tag of any length other
// than 0 or 2 is treated as no tag; New validates tags.
func HashTag(key []byte, tag string) []byte {
	if len(tag) != 2 {
		return key
	}
	open := bytes.IndexByte(key, tag[0])
	if open < 0 {
		return key
	}
	rest := key[open+1:]
	end := bytes.IndexByte(rest, tag[1])
	if end <= 0 { // missing, or empty tag (see above)
		return key
	}
	return rest[:end]
}
