//go:build race

package msg

// Under -race a released msg is poisoned, and every acquire and release
// checks the mark, like twemproxy's MBUF_MAGIC: a use after release or a
// double release panics at the point of misuse instead of corrupting a
// stranger's request.

const (
	msgLive     = 0x6d736721 // "msg!"
	msgReleased = 0xdeadbeef
)

func poisonMsg(m *Msg) { m.poison = msgReleased }

func checkReleased(m *Msg) {
	if m.poison != 0 && m.poison != msgReleased {
		panic("BUG: engine/msg: acquired a msg that was never released")
	}
}

func checkLive(m *Msg) {
	if m.poison != msgLive {
		panic("BUG: engine/msg: release of a msg that is not live (double release?)")
	}
}
