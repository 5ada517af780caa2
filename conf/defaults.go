package conf

import "time"

// Limits of mbuf_size and max_msgs (and of the -m and -M flags).
const (
	MbufMinSize     = 512
	MbufMaxSize     = 512000
	DefaultMbufSize = 16384
	MaxMsgsMin      = 100000
	MaxMsgsMax      = 1000000
	DefaultMaxMsgs  = 200000
)

// Defaults and limits of the convergence keys.
const (
	DefaultHintsMaxCount = 100000
	DefaultHintsMaxBytes = 64 << 20
	HintsMinBytes        = 4096
	DefaultRepairRate    = 1000
)

// DefaultStatsListen is the stats address used when stats_listen is not set.
const DefaultStatsListen = "0.0.0.0:22222"

// defaults returns a Pool holding the defaults of Dynomite's code (which
// differ from its README: timeout 5000, preconnect and auto_eject_hosts true,
// server_retry_timeout 10000, server_failure_limit 3).
func defaults() Pool {
	return Pool{
		StatsListen:           Addr{Network: "tcp", Host: "0.0.0.0", Port: 22222, Raw: DefaultStatsListen},
		Datacenter:            "localdc",
		Rack:                  "localrack",
		DynSeedProvider:       "simple_provider",
		GosInterval:           30000 * time.Millisecond,
		Hash:                  "murmur",
		Timeout:               5000 * time.Millisecond,
		Backlog:               512,
		Preconnect:            true,
		AutoEjectHosts:        true,
		ServerRetryTimeout:    10000 * time.Millisecond,
		ServerFailureLimit:    3,
		DatastoreConnections:  1,
		LocalPeerConnections:  1,
		RemotePeerConnections: 1,
		DynConnections:        100,
		DynReadTimeout:        10000 * time.Millisecond,
		DynWriteTimeout:       10000 * time.Millisecond,
		ReadConsistency:       "DC_ONE",
		WriteConsistency:      "DC_ONE",
		SecureServerOption:    "none",
		PemKeyFile:            "conf/dynomite.pem",
		ReconKeyFile:          "conf/recon_key.pem",
		ReconIVFile:           "conf/recon_iv.pem",
		Env:                   "aws",
		ConnMsgRate:           50000,
		StatsInterval:         30000 * time.Millisecond,
		MbufSize:              DefaultMbufSize,
		MaxMsgs:               DefaultMaxMsgs,
		HintsMaxCount:         DefaultHintsMaxCount,
		HintsMaxBytes:         DefaultHintsMaxBytes,
		RepairRate:            DefaultRepairRate,
	}
}
