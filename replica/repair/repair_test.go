package repair

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/codec/resp"
)

func args(s string) [][]byte {
	var out [][]byte
	for _, f := range strings.Fields(s) {
		out = append(out, []byte(f))
	}
	return out
}

func TestAppendEval(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want string // the arguments after the script; "" when not rewritten
	}{
		{"SET k v", "3 k ._add-set ._rem-set SET 0 42 v"},
		{"set k v EX 10", "3 k ._add-set ._rem-set SET 0 42 v"},
		{"GET k", "3 k ._add-set ._rem-set GET 0 42"},
		{"DEL k", "3 k ._rem-set ._add-set DEL 0 42"},
		{"DEL k1 k2", "3 k1 ._rem-set ._add-set DEL 0 42"},
		{"HSET k f1 v1 f2 v2", "3 k ._add-set ._rem-set HSET 1 42 f1 v1"},
		{"HMSET k f1 v1 f2 v2", "3 k ._add-set ._rem-set HMSET 2 42 f1 v1 f2 v2"},
		{"HDEL k f1 f2", "3 k ._rem-set ._add-set HDEL 2 42 f1 f2"},
		{"SREM k m", "3 k ._rem-set ._add-set SREM 1 42 m"},
		{"ZREM k m1 m2", "3 k ._rem-set ._add-set ZREM 2 42 m1 m2"},
		{"SADD k a b c", "3 k ._add-set ._rem-set SADD 3 42 a b c"},
		{"HGET k f", "3 k ._add-set ._rem-set HGET 1 42 f"},
		{"SISMEMBER k m", "3 k ._add-set ._rem-set SISMEMBER 1 42 m"},
		{"ZSCORE k m", "3 k ._add-set ._rem-set ZSCORE 1 42 m"},
		{"ZADD k 1 a 2.5 b", "3 k ._add-set ._rem-set ZADD 0 2 42 a 1 b 2.5"},
		{"ZADD k nx ch 1 a", "3 k ._add-set ._rem-set ZADD 2 1 42 nx ch a 1"},
		{"INCR k", ""},
		{"SET k", ""},
		{"HGET k", ""},
		{"GET", ""},
	} {
		got, ok := AppendEval(nil, []byte("S"), args(tc.cmd), 42)
		if !ok {
			if tc.want != "" {
				t.Errorf("unexpected refusal of %q", tc.cmd)
			}
			continue
		}
		want := resp.AppendCommand(nil, append(args("EVAL S"), args(tc.want)...)...)
		if tc.want == "" || string(got) != string(want) {
			t.Errorf("unexpected rewrite of %q; got %q; want %q", tc.cmd, got, want)
		}
	}
}

func TestAppendCleanup(t *testing.T) {
	got, ok := AppendCleanup(nil, []byte("S"), args("HDEL k f1 f2"), 7)
	want := resp.AppendCommand(nil, args("EVAL S 3 k ._add-set ._rem-set UNKNOWN 1 7 f1")...)
	if !ok || string(got) != string(want) {
		t.Fatalf("unexpected cleanup; got %q; want %q", got, want)
	}
	got, ok = AppendCleanup(nil, []byte("S"), args("DEL k"), 7)
	want = resp.AppendCommand(nil, args("EVAL S 3 k ._add-set ._rem-set UNKNOWN 0 7")...)
	if !ok || string(got) != string(want) {
		t.Fatalf("unexpected cleanup; got %q; want %q", got, want)
	}
	if _, ok := AppendCleanup(nil, []byte("S"), args("SET k v"), 7); ok {
		t.Fatal("unexpected cleanup of a SET")
	}
}

func TestParseReply(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "status ts value" or "error"
	}{
		{"*3\r\n$1\r\nE\r\n$13\r\n1700000000001\r\n$3\r\nbar\r\n", "E 1700000000001 \"$3\\r\\nbar\\r\\n\""},
		{"*3\r\n$1\r\nX\r\n:0\r\n$-1\r\n", "X 0 \"$-1\\r\\n\""},
		{"*3\r\n$1\r\nR\r\n$2\r\n17\r\n$-1\r\n", "R 17 \"$-1\\r\\n\""},
		{"*3\r\n$1\r\nE\r\n:5\r\n:1\r\n", "E 5 \":1\\r\\n\""},
		{"*3\r\n$1\r\nQ\r\n:5\r\n:1\r\n", "error"},
		{"*3\r\n$1\r\nE\r\n$2\r\nxx\r\n:1\r\n", "error"},
		{"*2\r\n$1\r\nE\r\n:5\r\n", "error"},
		{"$3\r\nbar\r\n", "error"},
		{"-ERR boom\r\n", "error"},
	} {
		r, err := ParseReply([]byte(tc.in))
		got := "error"
		if err == nil {
			got = fmt.Sprintf("%c %d %q", r.Status, r.TS, r.Value)
		}
		if got != tc.want {
			t.Errorf("unexpected parse of %q; got %s; want %s", tc.in, got, tc.want)
		}
	}
}

func TestDecide(t *testing.T) {
	for _, tc := range []struct {
		name    string
		replies string // status:ts per replica, in arrival order
		want    string // winner byAdd stale-flags, or "none"
	}{
		{"all equal", "E:5 E:5 E:5", "none"},
		{"one stale", "E:5 E:9 E:9", "1 true [true false false]"},
		{"newest first", "E:9 E:5 E:9", "0 true [false true false]"},
		{"delete wins", "E:5 R:9", "1 false [true false]"},
		{"no metadata takes no part", "X:0 E:5", "none"},
		{"X never repaired", "X:0 E:5 E:3", "1 true [false false true]"},
		{"a tie with a beaten winner is kept", "E:5 E:5 E:9", "2 true [true false false]"},
		{"all X", "X:0 X:0", "none"},
	} {
		var rs []Reply
		for _, f := range strings.Fields(tc.replies) {
			var st byte
			var ts uint64
			fmt.Sscanf(f, "%c:%d", &st, &ts)
			rs = append(rs, Reply{Status: st, TS: ts})
		}
		d := Decide(rs)
		got := "none"
		if d.Repair {
			got = fmt.Sprintf("%d %v %v", d.Winner, d.ByAdd, d.Stale)
		}
		if got != tc.want {
			t.Errorf("%s: unexpected decision; got %s; want %s", tc.name, got, tc.want)
		}
	}
}

func TestRepairArgs(t *testing.T) {
	bulk := Reply{Status: 'E', TS: 9, Value: []byte("$3\r\nbar\r\n")}
	for _, tc := range []struct {
		read  string
		byAdd bool
		want  string
	}{
		{"GET k", true, "SET k bar"},
		{"GET k", false, "DEL k"},
		{"HGET k f", true, "HSET k f bar"},
		{"HGET k f", false, "HDEL k f"},
		{"SISMEMBER k m", true, "SADD k m"},
		{"SISMEMBER k m", false, "SREM k m"},
		{"ZSCORE k m", true, "ZADD k bar m"},
		{"ZSCORE k m", false, "ZREM k m"},
		{"LLEN k", true, ""},
	} {
		got := RepairArgs(args(tc.read), bulk, tc.byAdd)
		if s := string(resp.AppendCommand(nil, got...)); got == nil && tc.want != "" || got != nil && s != string(resp.AppendCommand(nil, args(tc.want)...)) {
			t.Errorf("unexpected repair of %q; got %q; want %q", tc.read, got, tc.want)
		}
	}
	if got := RepairArgs(args("GET k"), Reply{Status: 'E', Value: []byte("$-1\r\n")}, true); got != nil {
		t.Errorf("unexpected repair from a null value: %q", got)
	}
}
