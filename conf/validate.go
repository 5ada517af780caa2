package conf

// validate checks the rules that span keys or need the whole pool: required
// keys and the single datastore. Per-key rules ran while reading.
func (p *parser) validate(cfg *Config) {
	q := &cfg.Pool
	_, hasListen := p.lines["listen"]
	if !hasListen {
		p.errorf(p.poolLine, "listen", ErrMissingKey, "directive \"listen:\" is missing")
	}
	line, hasServers := p.lines["servers"]
	switch {
	case !hasServers:
		p.errorf(p.poolLine, "servers", ErrNoDatastore, "pool %q has no datastores: directive \"servers\" is missing", cfg.PoolName)
	case len(q.Servers) > 1:
		// Dynomite keeps the last item; a node fronts exactly one datastore.
		last := q.Servers[len(q.Servers)-1]
		p.warnf(line, "servers", "directive \"servers\" lists %d datastores; a node fronts exactly one: using the last, %q", len(q.Servers), last.Addr.Raw)
		q.Servers = q.Servers[len(q.Servers)-1:]
	}
	if _, ok := p.lines["dyn_listen"]; !ok && len(q.DynSeeds) > 0 {
		p.errorf(p.lines["dyn_seeds"], "dyn_listen", ErrMissingKey, "directive \"dyn_listen\" is missing; it is required with \"dyn_seeds\"")
	}
	if _, ok := p.lines["tokens"]; !ok {
		p.warnf(p.poolLine, "tokens", "directive \"tokens\" is missing: the node owns no token range")
	}
	if _, ok := p.lines["datastore_user"]; ok && q.DatastorePassword == "" {
		p.errorf(p.lines["datastore_user"], "datastore_user", ErrMissingKey, "directive \"datastore_user\" needs \"datastore_password\"")
	}
	p.validateSecure(q)
	if q.HintsDir == "" {
		for _, key := range []string{"hints_max_count", "hints_max_bytes"} {
			if line, ok := p.lines[key]; ok {
				p.warnf(line, key, "directive %q has no effect without \"hints_dir\"", key)
			}
		}
	}
	if _, ok := p.lines["stats_listen"]; !ok {
		p.warnf(p.poolLine, "stats_listen", "directive \"stats_listen\" is missing - using default %s", DefaultStatsListen)
	}
}
