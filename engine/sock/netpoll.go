package sock

import (
	"context"
	"sync"

	"github.com/cloudwego/netpoll"
)

// NetpollConfig is netpoll's configuration for the process.
type NetpollConfig struct {
	Pollers    int // poller goroutines, at least 1
	BufferSize int // first read buffer of every connection, bytes
}

// netpollSetup mirrors netpoll's own package state: netpoll keeps its
// configuration there and applies it before its first connection, so
// there is one per process. It is the only mutable package-level state of
// this package.
var netpollSetup struct {
	once sync.Once
	cfg  NetpollConfig
}

// ConfigureNetpoll configures netpoll on its first call in the process and
// returns the configuration in effect; later calls change nothing and
// return the first one, whatever they ask for. netpoll gets want.Pollers
// pollers (1 when fewer), a first read buffer of want.BufferSize bytes
// (grown by netpoll while reads fill it), round-robin placement of
// connections on pollers, and an inline runner: callbacks run on the
// poller goroutine with no hop to a goroutine pool, so they must never
// block. Call it before the process's first netpoll connection (Dial, a
// listener); safe from any goroutine.
func ConfigureNetpoll(want NetpollConfig) NetpollConfig {
	netpollSetup.once.Do(func() {
		want.Pollers = max(want.Pollers, 1)
		netpollSetup.cfg = want
		_ = netpoll.Configure(netpoll.Config{
			PollerNum:   want.Pollers,
			BufferSize:  want.BufferSize,
			Runner:      func(_ context.Context, f func()) { f() },
			LoadBalance: netpoll.RoundRobin,
		})
	})
	return netpollSetup.cfg
}
