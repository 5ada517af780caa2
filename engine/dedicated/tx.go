package dedicated

import (
	"strconv"

	"github.com/dynomite-go/dynomite/codec/resp"
)

// Transactions. MULTI ... EXEC runs on the session's connection, on the
// owner of its keys in the local rack, exactly as Redis runs it. The
// writes queued meanwhile are kept (bounded) and, once EXEC has run them,
// sent to the other racks as one EVAL of txScript, which runs them in
// order and atomically there too:
//
//	EVAL txScript 0 n1 cmd1 args1.. n2 cmd2 args2..
//
// A command past the bounds is refused (the session's placeholder), so
// EXEC aborts with EXECABORT and nothing is replicated.

// txScript runs the commands packed in ARGV, each behind its argument
// count; a command's error does not stop the others, as in EXEC.
const txScript = "local i=1 while i<=#ARGV do local n=tonumber(ARGV[i]) " +
	"redis.pcall(unpack(ARGV,i+1,i+n)) i=i+n+1 end return 1"

// txState is the transaction being queued.
type txState struct {
	queued int
	body   []byte // the writes, as EVAL arguments
	nargs  int
	key    []byte // the first write's first key
	over   bool
}

func (t *txState) reset() {
	if cap(t.body) > keepCap {
		t.body = nil
	}
	t.queued, t.body, t.nargs, t.key, t.over = 0, t.body[:0], 0, nil, false
}

// add queues cmd; false when it passes lim (the transaction must abort).
func (t *txState) add(cmd *resp.Command, args [][]byte, lim Limits) bool {
	if t.over {
		return false
	}
	if t.queued++; t.queued > lim.MaxQueued {
		t.over, t.body = true, nil
		return false
	}
	if cmd.Flags&resp.FlagWrite == 0 {
		return true
	}
	size := 16
	for _, a := range args {
		size += len(a) + 16
	}
	if len(t.body)+size > lim.MaxTxBytes {
		t.over, t.body = true, nil
		return false
	}
	t.body = resp.AppendBulk(t.body, strconv.AppendInt(nil, int64(len(args)), 10))
	for _, a := range args {
		t.body = resp.AppendBulk(t.body, a)
	}
	t.nargs += 1 + len(args)
	if t.key == nil {
		var stk [4]int
		if ks := cmd.Keys(args, stk[:0]); len(ks) > 0 {
			t.key = append([]byte{}, args[ks[0]]...)
		}
	}
	return true
}

// take returns the fixup of EXEC: the EVAL frame of the queued writes,
// none when there is nothing to replicate.
func (t *txState) take(lim Limits) fixup {
	if t.over || t.nargs == 0 || t.key == nil {
		return fixup{}
	}
	f := make([]byte, 0, len(t.body)+len(txScript)+48)
	f = resp.AppendArray(f, 3+t.nargs)
	f = resp.AppendBulkString(f, "EVAL")
	f = resp.AppendBulkString(f, txScript)
	f = resp.AppendBulkString(f, "0")
	f = append(f, t.body...)
	return fixup{kind: fixExec, data: f, key: t.key}
}
