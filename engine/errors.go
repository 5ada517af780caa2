package engine

import "errors"

// Sentinel errors of package engine. What a client sees when the node
// refuses or fails a request is a reply, not one of these: the engine's
// error lines are in codec/resp (proxyreply.go) and codec/memcache, and
// the replies for failure codes are built from replica.Code in engine/route (proto.go).
var (
	// ErrStarted is returned by Start when the node was started before.
	ErrStarted = errors.New("engine: node already started")
	// ErrNoServer is returned by New when the configuration has no servers entry.
	ErrNoServer = errors.New("engine: no datastore in servers")
)
