package main

import (
	"errors"
	"log/slog"

	"github.com/dynomite-go/dynomite/conf"
)

// newEngineNode builds the engine's node. The engine's constructor is not in
// the tree yet; until it is, starting a node fails with this error.
func newEngineNode(cfg *conf.Config, log *slog.Logger, adminMode int) (node, error) {
	return nil, errors.New("the engine is not available in this build")
}
