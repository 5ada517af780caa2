package e2e

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/ring"
)

// threeByTwo is 3 racks × 2 nodes, hash tags {}; in each rack one node
// has token 0, the other a token between those of the tags {a} and {b}
// (murmur), so that their keys have different owners.
func threeByTwo(t *testing.T) *cluster {
	ta, tb := ring.Murmur([]byte("a")), ring.Murmur([]byte("b"))
	mid := fmt.Sprint(uint64(min(ta, tb)) + (uint64(max(ta, tb))-uint64(min(ta, tb)))/2)
	members := []enginetest.Member{
		{Rack: "rack1", Tokens: "0"}, {Rack: "rack1", Tokens: mid},
		{Rack: "rack2", Tokens: "0"}, {Rack: "rack2", Tokens: mid},
		{Rack: "rack3", Tokens: "0"}, {Rack: "rack3", Tokens: mid},
	}
	base := enginetest.NodeConfig{Extra: map[string]string{"hash_tag": `"{}"`}}
	return startCluster(t, members, base, nil, enginetest.ClusterOptions{})
}

// splitInline splits an inline request line into its arguments ("..."
// quotes an argument, "" is the empty one).
func splitInline(line string) []string {
	var out []string
	for line = strings.TrimSpace(line); line != ""; line = strings.TrimSpace(line) {
		if line[0] == '"' {
			end := strings.IndexByte(line[1:], '"') + 1
			out = append(out, line[1:end])
			line = line[end+1:]
			continue
		}
		end := strings.IndexByte(line, ' ')
		if end < 0 {
			end = len(line)
		}
		out = append(out, line[:end])
		line = line[end:]
	}
	return out
}

// TestClusterCrossSlot replays codec/resp/testdata/crossslot.txt (every
// command of the table whose keys are not split) through one node of a
// 3-rack cluster: each gets CROSSSLOT when its keys carry {a} and {b},
// which have different owners; with {b} replaced by {a} none does. The
// commands the node refuses before routing (administration, the ones that
// need a connection of their own) are checked to get their refusal.
func TestClusterCrossSlot(t *testing.T) {
	cl := threeByTwo(t)
	if cl.owner("{a}x", 0) == cl.owner("{b}x", 0) {
		t.Fatal("the test needs {a} and {b} owned by different nodes of rack1")
	}
	f, err := os.Open("../../codec/resp/testdata/crossslot.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := cl.client(0)
	bound := peerTimeout + slack
	sc := bufio.NewScanner(f)
	seen := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		args := splitInline(line)
		bs := make([][]byte, len(args))
		for i := range args {
			bs[i] = []byte(args[i])
		}
		cmd := resp.LookupArgs(bs)
		if cmd == nil {
			t.Fatalf("%s: unknown command", line)
		}
		same := splitInline(strings.ReplaceAll(line, "{b}", "{a}"))
		switch {
		case cmd.Name == "eval":
			// C Dynomite's refusal of a script over several nodes.
			replyIs(t, line, do(t, line, c, bound, args...), nil, "-ERR Dynomite: Keys in the script cannot span multiple nodes\r\n")
			seen++
		case cmd.Flags&resp.FlagAdminRefused != 0:
			replyIs(t, line, do(t, line, c, bound, args...), nil, string(cmd.AppendAdminRefused(nil)))
		case cmd.Dedicated(bs):
			// Refused before a dedicated connection is opened; with one
			// owner the command would pin the client's connection, which
			// the dedicated connection tests cover.
			replyIs(t, line, do(t, line, c, bound, args...), nil, string(resp.ReplyCrossSlot))
			seen++
		case cmd.Flags&resp.FlagUnsupported != 0:
			replyIs(t, line, do(t, line, c, bound, args...), nil, string(resp.ReplyNotSupported))
		default:
			replyIs(t, line, do(t, line, c, bound, args...), nil, string(resp.ReplyCrossSlot))
			if r := do(t, line, c, bound, same...); strings.HasPrefix(string(r.Raw), "-CROSSSLOT") {
				t.Fatalf("%v: unexpected CROSSSLOT with one owner", same)
			}
			seen++
		}
	}
	if seen < 30 {
		t.Fatalf("only %d commands checked", seen)
	}
	// A write whose keys share an owner lands on that owner in every rack.
	replyIs(t, "MSETNX", do(t, "MSETNX", c, bound, "MSETNX", "{a}1", "x", "{a}2", "y"), nil, ":1\r\n")
	for _, o := range cl.ownersEverywhere("{a}1") {
		if !cl.waitStored(o, "{a}2", "y", replWait) {
			t.Fatalf("MSETNX: {a}2 not on its owner %s", cl.nodes[o])
		}
	}
}

// TestClusterEmptyKey: the empty key is a key, through a single node and
// through every node of a 3-rack cluster.
func TestClusterEmptyKey(t *testing.T) {
	node, _ := enginetest.Proxy(t, nil)
	c := enginetest.DialTB(t, node.Addr)
	r, err := c.Do("SET", "", "v")
	replyIs(t, `SET "" v`, r, err, "+OK\r\n")
	r, err = c.Do("GET", "")
	replyIs(t, `GET ""`, r, err, "$1\r\nv\r\n")

	cl := threeByTwo(t)
	bound := peerTimeout + slack
	replyIs(t, `SET "" v`, do(t, "SET", cl.client(0), bound, "SET", "", "ev"), nil, "+OK\r\n")
	for _, o := range cl.ownersEverywhere("") {
		if !cl.waitStored(o, "", "ev", replWait) {
			t.Fatalf(`"" not on its owner %s`, cl.nodes[o])
		}
	}
	for i := range cl.nodes {
		replyIs(t, `GET "" through `+cl.nodes[i].String(), do(t, "GET", cl.client(i), bound, "GET", ""), nil, "$2\r\nev\r\n")
	}
}

// TestClusterKeyspace: through one node of a 3-rack cluster, SCAN walks
// every key of the rack exactly once, DBSIZE sums the rack, KEYS is their
// union, RANDOMKEY one of them, INFO has a Dynomite section, and FLUSHALL
// empties every node of every rack.
func TestClusterKeyspace(t *testing.T) {
	cl := threeByTwo(t)
	bound := peerTimeout + slack
	c := cl.client(0)
	const keys = 300
	for k := 0; k < keys; k++ {
		_ = c.Send("SET", fmt.Sprint("ks:", k), "v")
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for k := 0; k < keys; k++ {
		r, err := c.Read()
		replyIs(t, "SET", r, err, "+OK\r\n")
	}
	owners := map[int]int{}
	for k := 0; k < keys; k++ {
		owners[cl.owner(fmt.Sprint("ks:", k), 0)]++
	}
	if len(owners) != 2 {
		t.Fatalf("the keys do not spread over rack1: %v", owners)
	}
	q := cl.client(1) // a node of rack1 that did not take the writes
	replyIs(t, "DBSIZE", do(t, "DBSIZE", q, bound, "DBSIZE"), nil, fmt.Sprintf(":%d\r\n", keys))

	seen := map[string]int{}
	cursor, calls := "0", 0
	for {
		r := do(t, "SCAN", q, bound, "SCAN", cursor, "COUNT", "7")
		if r.Type != '*' || len(r.Elems) != 2 {
			t.Fatalf("unexpected SCAN reply %s", r)
		}
		for _, e := range r.Elems[1].Elems {
			seen[string(e.Str)]++
		}
		cursor = string(r.Elems[0].Str)
		if calls++; cursor == "0" || calls > 10*keys {
			break
		}
	}
	if len(seen) != keys {
		t.Fatalf("SCAN returned %d distinct keys in %d calls; want %d", len(seen), calls, keys)
	}
	for k, n := range seen {
		if n != 1 || !strings.HasPrefix(k, "ks:") {
			t.Fatalf("SCAN returned %q %d times", k, n)
		}
	}
	r := do(t, "KEYS", q, bound, "KEYS", "ks:*")
	if len(r.Elems) != keys {
		t.Fatalf("KEYS returned %d keys; want %d", len(r.Elems), keys)
	}
	if r := do(t, "RANDOMKEY", q, bound, "RANDOMKEY"); !strings.HasPrefix(string(r.Str), "ks:") {
		t.Fatalf("unexpected RANDOMKEY %s", r)
	}
	if r := do(t, "INFO", q, bound, "INFO"); !strings.Contains(string(r.Str), "redis_version:") || !strings.Contains(string(r.Str), "\r\n# Dynomite\r\ndatacenter:") {
		t.Fatalf("unexpected INFO %.300s", r.Str)
	}
	replyIs(t, "FLUSHALL", do(t, "FLUSHALL", q, bound, "FLUSHALL"), nil, "+OK\r\n")
	deadline := time.Now().Add(replWait)
	for i := range cl.nodes {
		for {
			r, err := cl.store(i).Do("DBSIZE")
			if err == nil && string(r.Raw) == ":0\r\n" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("FLUSHALL: the datastore of %s still holds %v", cl.nodes[i], r)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
