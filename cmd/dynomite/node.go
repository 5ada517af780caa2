package main

import (
	"log/slog"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine"
)

// newEngineNode builds the engine's node for cfg.
func newEngineNode(cfg *conf.Config, log *slog.Logger, adminMode int) (node, error) {
	return engine.New(engine.Options{Config: cfg, Logger: log, AdminMode: adminMode})
}
