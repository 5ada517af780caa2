package replay

import (
	"fmt"

	"github.com/dynomite-go/dynomite/codec/resp"
)

// Action is what a key's copy does on the target.
type Action uint8

const (
	Restore Action = iota + 1 // RESTORE key ttl payload REPLACE
	Delete                    // DEL key: the source does not hold it
)

// Command names, shared and read-only.
var (
	cmdDump    = []byte("DUMP")
	cmdPTTL    = []byte("PTTL")
	cmdRestore = []byte("RESTORE")
	cmdReplace = []byte("REPLACE")
	cmdDel     = []byte("DEL")
)

// AppendSource appends the two requests that read key on the source:
// DUMP key, PTTL key. Their replies go to AppendTarget.
func AppendSource(dst, key []byte) []byte {
	dst = resp.AppendCommand(dst, cmdDump, key)
	return resp.AppendCommand(dst, cmdPTTL, key)
}

// AppendTarget appends the request that makes the target hold what the
// source replied for key: dump is the DUMP reply, pttl the PTTL reply (whole
// replies). A null DUMP, or PTTL -2 (the key went away between the two), is
// a DEL; otherwise RESTORE key ttl payload REPLACE with ttl the remaining
// milliseconds, 0 (no expiry) for PTTL -1, and 1 for PTTL 0 (about to
// expire: it must not become persistent).
func AppendTarget(dst, key, dump, pttl []byte) ([]byte, Action, error) {
	payload, ok, err := Bulk(dump)
	if err != nil {
		return dst, 0, fmt.Errorf("cannot dump %q: %w", key, err)
	}
	ttl, err := Int(pttl)
	if err != nil {
		return dst, 0, fmt.Errorf("cannot read the ttl of %q: %w", key, err)
	}
	if !ok || ttl == -2 {
		return resp.AppendCommand(dst, cmdDel, key), Delete, nil
	}
	switch {
	case ttl < -2:
		return dst, 0, fmt.Errorf("cannot read the ttl of %q: %d: %w", key, ttl, ErrReply)
	case ttl == -1:
		ttl = 0
	case ttl == 0:
		ttl = 1
	}
	var num [20]byte
	dst = resp.AppendArray(dst, 5)
	dst = resp.AppendBulk(dst, cmdRestore)
	dst = resp.AppendBulk(dst, key)
	dst = resp.AppendBulk(dst, fmt.Appendf(num[:0], "%d", ttl))
	dst = resp.AppendBulk(dst, payload)
	return resp.AppendBulk(dst, cmdReplace), Restore, nil
}
