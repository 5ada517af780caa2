package conf

import "time"

// Config is a validated node configuration: the one pool of a Dynomite YAML
// file with every default applied. It is immutable once returned by Load.
type Config struct {
	// File is the path the configuration was read from.
	File string
	// PoolName is the single top-level key of the YAML file (any name).
	PoolName string
	// Pool holds the keys of that pool.
	Pool Pool

	lines map[string]int // directive -> line of its key, for the keys the file sets
}

// Addr is a listen or connect address: host:port (TCP) or an absolute path
// (Unix socket).
type Addr struct {
	Network string // "tcp" or "unix"; empty when the key was not set
	Host    string // TCP host as written (name or IP)
	Port    int    // TCP port
	Path    string // Unix socket path
	Raw     string // the value as written in the file
}

// IsZero reports whether the address was not configured.
func (a Addr) IsZero() bool { return a.Network == "" }

// String returns host:port for TCP and the path for Unix sockets.
func (a Addr) String() string {
	if a.Network == "unix" {
		return a.Path
	}
	return joinHostPort(a.Host, a.Port)
}

// Server is one `servers` entry: the backend datastore.
type Server struct {
	Addr   Addr
	Weight int
	Name   string // stats name: the optional name, else host:port (port omitted when 11211)
}

// Seed is one `dyn_seeds` entry: host:port:rack:dc:tokens [name].
type Seed struct {
	Addr   Addr
	Rack   string
	DC     string
	Tokens []uint32
	Name   string
}

// Pool is every key of docs/compat.md §1.2 with the code's defaults applied.
type Pool struct {
	Listen      Addr
	DynListen   Addr
	StatsListen Addr

	Servers   []Server // exactly one after validation
	DataStore int      // 0 Redis, 1 Memcached

	Datacenter string
	Rack       string
	Tokens     []uint32

	DynSeeds        []Seed
	DynSeedProvider string
	EnableGossip    bool
	GosInterval     time.Duration

	Hash    string
	HashTag string // "" or exactly two bytes

	Timeout            time.Duration
	Backlog            int
	ClientConnections  int
	Preconnect         bool
	AutoEjectHosts     bool
	ServerRetryTimeout time.Duration
	ServerFailureLimit int

	DatastoreConnections  int
	LocalPeerConnections  int
	RemotePeerConnections int

	DynConnections  int
	DynPort         int
	DynReadTimeout  time.Duration
	DynWriteTimeout time.Duration

	ReadConsistency    string // upper case: DC_ONE, DC_QUORUM, DC_SAFE_QUORUM, DC_EACH_SAFE_QUORUM
	WriteConsistency   string
	ReadRepairsEnabled bool

	SecureServerOption string // none, rack, datacenter, all
	PemKeyFile         string
	ReconKeyFile       string
	ReconIVFile        string

	Env           string
	ConnMsgRate   int
	StatsInterval time.Duration
	MbufSize      int
	MaxMsgs       int

	// Beyond Dynomite (secure.go): TLS per listener and link, client
	// users, the datastore's credentials.
	ClientTLS         TLS
	PeerTLS           TLS
	StatsTLS          TLS
	DatastoreTLS      TLS
	Requirepass       string
	Users             []User
	DatastorePassword string
	DatastoreUser     string
	// HintsDir is the directory of the hint file; empty disables hinted
	// handoff (missed writes are dropped, as C Dynomite drops them).
	HintsDir      string
	HintsMaxCount int // most hints kept; past it the oldest is dropped
	HintsMaxBytes int // most bytes of hints kept (keys, targets, framing)
	RepairRate    int // keys/s for hint replay, warm-up and repair; 0 means no limit
	// WarmUpFrom is the host:port of a peer rack's datastore this node
	// copies its keys from at start when its own datastore is empty;
	// empty: no warm-up at start.
	WarmUpFrom string
}

// Line returns the line of key in the file, or 0 when the file does not set
// it. Callers use it to name the line in errors found after Load.
func (c *Config) Line(key string) int { return c.lines[key] }

// IsSet reports whether the file sets key (as opposed to a default).
func (c *Config) IsSet(key string) bool { _, ok := c.lines[key]; return ok }
