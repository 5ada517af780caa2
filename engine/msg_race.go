//go:build race

package engine

// Under -race a released msg is poisoned, and every acquire and release
// checks the mark, like twemproxy's MBUF_MAGIC: a use after release or a
// double release panics at the point of misuse instead of corrupting a
// stranger's request.

const (
	msgLive     = 0x6d736721 // "msg!"
	msgReleased = 0xdeadbeef
)

func poisonMsg(m *msg) { m.poison = msgReleased }

func checkReleased(m *msg) {
	if m.poison != 0 && m.poison != msgReleased {
		panic("BUG: engine: acquired a msg that was never released")
	}
}

func checkLive(m *msg) {
	if m.poison != msgLive {
		panic("BUG: engine: release of a msg that is not live (double release?)")
	}
}
