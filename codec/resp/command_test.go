package resp

import (
	"slices"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	f := func(name, want string) {
		t.Helper()
		c := Lookup([]byte(name))
		got := ""
		if c != nil {
			got = c.Name
		}
		if got != want {
			t.Fatalf("unexpected command for %q; got %q; want %q", name, got, want)
		}
	}
	f("get", "get")
	f("GET", "get")
	f("gEt", "get")
	f("MGET", "mget")
	f("georadiusbymember_ro", "georadiusbymember_ro")
	f("DYNO_CONFIG:CONN_CONSISTENCY", "dyno_config:conn_consistency")
	f("", "")
	f("foo", "")
	f("get ", "")
	f("config|get", "") // subcommands are reached through their container
	f(strings.Repeat("g", 100000), "")
}

func TestLookupArgs(t *testing.T) {
	f := func(want string, args ...string) {
		t.Helper()
		var bs [][]byte
		for _, a := range args {
			bs = append(bs, []byte(a))
		}
		c := LookupArgs(bs)
		got := ""
		if c != nil {
			got = c.Name
		}
		if got != want {
			t.Fatalf("unexpected command for %q; got %q; want %q", args, got, want)
		}
		if c != nil && c.Parent != nil && !strings.HasPrefix(c.Name, c.Parent.Name+"|") {
			t.Fatalf("unexpected parent %q of %q", c.Parent.Name, c.Name)
		}
	}
	f("")
	f("config", "config")
	f("config|get", "CONFIG", "GET", "x")
	f("config", "config", "nope")
	f("object|encoding", "object", "ENCODING", "k")
	f("script|load", "script", "load", "return 1")
	f("get", "get", "config")
}

func TestTable(t *testing.T) {
	if RedisVersion[:4] != "7.0." {
		t.Fatalf("unexpected RedisVersion %q", RedisVersion)
	}
	if n := len(commandTable); n < 200 {
		t.Fatalf("unexpected table size %d", n)
	}
	f := func(name string, arity int, has, hasNot Flag) {
		t.Helper()
		c := LookupArgs(argsOf(strings.Split(name, "|")...))
		if c == nil || c.Name != name {
			t.Fatalf("no command %q", name)
		}
		if c.Arity != arity || !c.Has(has) || c.Flags&hasNot != 0 {
			t.Fatalf("unexpected entry %q; got arity %d flags %b", name, c.Arity, c.Flags)
		}
	}
	f("get", 2, FlagRead|FlagFast, FlagWrite)
	f("set", -3, FlagWrite|FlagDenyOOM, FlagRead)
	f("mget", -2, FlagRead|FlagMultiKey, 0)
	f("mset", -3, FlagWrite|FlagMultiKey, 0)
	f("del", -2, FlagWrite|FlagMultiKey, 0)
	f("exists", -2, FlagRead|FlagMultiKey, 0)
	f("touch", -2, FlagMultiKey, 0)
	f("unlink", -2, FlagWrite|FlagMultiKey, 0)
	f("blpop", -3, FlagWrite|FlagBlocking, 0)
	f("subscribe", -2, FlagPubSub|FlagNoScript, 0)
	f("flushall", -1, FlagWrite, 0)
	f("ping", -1, FlagFast|FlagLocalOnly, 0)
	f("info", -1, FlagLocalOnly, 0)
	f("keys", 2, FlagRead|FlagLocalOnly, 0)
	f("scan", -2, FlagRead|FlagLocalOnly, 0)
	f("slaveof", 3, FlagAdmin|FlagLocalOnly, 0)
	f("config|get", -3, FlagAdmin|FlagLocalOnly, 0)
	f("config|set", -4, FlagAdmin, FlagLocalOnly)
	f("hgetall", 2, FlagRead|FlagOwnerLocalRack, 0)
	f("zscan", -3, FlagRead|FlagOwnerLocalRack, 0)
	f("script|load", 3, FlagNoScript|FlagAllNodes, 0)
	f("script|kill", 2, FlagAllNodes, 0)
	f("eval", -3, FlagMovableKeys|FlagNoScript, 0)
	f("dyno_config:conn_consistency", 2, FlagDynomite|FlagLocalOnly, 0)
	for _, c := range commandTable {
		if c.Has(FlagMultiKey) != (c.Merge != MergeNone) {
			t.Fatalf("%s: FlagMultiKey and Merge disagree", c.Name)
		}
	}
}

func TestCheckArity(t *testing.T) {
	get, mget := Lookup([]byte("get")), Lookup([]byte("mget"))
	for n, want := range []bool{false, false, true, false} {
		if get.CheckArity(n) != want {
			t.Fatalf("get: unexpected CheckArity(%d)", n)
		}
	}
	for n, want := range []bool{false, false, true, true, true} {
		if mget.CheckArity(n) != want {
			t.Fatalf("mget: unexpected CheckArity(%d)", n)
		}
	}
}

func argsOf(args ...string) [][]byte {
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = []byte(a)
	}
	return bs
}

func TestKeys(t *testing.T) {
	f := func(cmd string, want ...int) {
		t.Helper()
		args := argsOf(strings.Fields(cmd)...)
		for i, a := range args {
			if string(a) == `""` {
				args[i] = nil
			}
		}
		c := LookupArgs(args)
		if c == nil {
			t.Fatalf("no command for %q", cmd)
		}
		got := c.Keys(args, nil)
		if !slices.Equal(got, want) {
			t.Fatalf("unexpected keys of %q; got %v; want %v", cmd, got, want)
		}
	}
	f("get k", 1)
	f("set k v ex 10", 1)
	f("mget a b c", 1, 2, 3)
	f("mset a 1 b 2", 1, 3)
	f("del a b", 1, 2)
	f("exists a", 1)
	f("touch a b", 1, 2)
	f("unlink a b c", 1, 2, 3)
	f("ping")
	f("rename a b", 1, 2)
	f("blpop a b 0", 1, 2)
	f("eval s 2 k1 k2 a1", 3, 4)
	f("EVAL s 0 a1")
	f("evalsha s 1 k1", 3)
	f("eval_ro s 1 k1 a", 3)
	f("fcall f 2 k1 k2 x", 3, 4)
	f("eval s x k1")
	f("eval s -1 k1")
	f("zunionstore d 2 a b weights 1 2", 1, 3, 4)
	f("zinterstore d 1 a", 1, 3)
	f("zdiff 2 a b withscores", 2, 3)
	f("zdiffstore d 2 a b", 1, 3, 4)
	f("zunion 3 a b c", 2, 3, 4)
	f("sintercard 2 a b limit 1", 2, 3)
	f("lmpop 2 a b left count 1", 2, 3)
	f("blmpop 0 2 a b left", 3, 4)
	f("zmpop 1 a min", 2)
	f("bzmpop 0 2 a b max", 3, 4)
	f("xread count 1 streams a b 0 0", 4, 5)
	f("XREAD STREAMS a 0", 2)
	f("xreadgroup group g c count 1 streams s1 s2 > >", 7, 8)
	f("migrate h 6379 k 0 100", 3)
	f(`migrate h 6379 "" 0 100 copy keys a b`, 8, 9)
	f(`migrate h 6379 "" 0 100 auth pw keys a`, 9)
	f("sort k", 1)
	f("sort k by w_* limit 0 10 get o_* store dst", 1, 10)
	f("sort_ro k by w_*", 1)
	f("georadius k 0 0 1 km store dst", 1, 7)
	f("georadius k 0 0 1 km storedist dst", 1, 7)
	f("object encoding k", 2)
	f("memory usage k", 2)
	f("xinfo stream s", 2)
	f("bitop and d a b", 2, 3, 4)
	f("lmove a b left right", 1, 2)
	f("smove a b m", 1, 2)
	f("pfmerge d a b", 1, 2, 3)
	f("watch a b", 1, 2)
	f("dyno_config:conn_consistency DC_ONE")
}

func TestLookupEveryName(t *testing.T) {
	for _, c := range commandTable {
		for _, name := range []string{c.Name, strings.ToUpper(c.Name)} {
			if got := Lookup([]byte(name)); got != c {
				t.Fatalf("unexpected Lookup(%q); got %v", name, got)
			}
		}
		for _, s := range c.Sub {
			short := strings.ToUpper(s.Name[len(c.Name)+1:])
			if got := LookupArgs(argsOf(c.Name, short)); got != s || s.Parent != c {
				t.Fatalf("unexpected LookupArgs(%q %q); got %v", c.Name, short, got)
			}
		}
	}
}

// TestFlagUnsupported checks the "unsupported" column of the table against
// its rule: every blocking or pub/sub command (but those blocking only
// with an option, BlockArg, which go to a dedicated connection with it
// and are plain commands without it), the transaction and
// connection-state commands, and the subcommands of those.
func TestFlagUnsupported(t *testing.T) {
	listed := map[string]bool{}
	for _, n := range []string{
		"multi", "exec", "discard", "watch", "unwatch", "select", "auth", "hello",
		"reset", "monitor", "sync", "psync", "client", "readonly", "readwrite", "wait",
	} {
		listed[n] = true
	}
	want := func(c *Command) bool {
		return (c.Flags&FlagBlocking != 0 && c.BlockArg == "") || c.Flags&FlagPubSub != 0 || listed[c.Name] || (c.Parent != nil && listed[c.Parent.Name])
	}
	check := func(c *Command) {
		t.Helper()
		if got := c.Has(FlagUnsupported); got != want(c) {
			t.Fatalf("unexpected FlagUnsupported on %s; got %v; want %v", c.Name, got, want(c))
		}
	}
	for _, c := range commandTable {
		check(c)
		for _, s := range c.Sub {
			check(s)
		}
	}
	f := func(name string, want bool) {
		t.Helper()
		args := argsOf(strings.Fields(name)...)
		if got := LookupArgs(args).Has(FlagUnsupported); got != want {
			t.Fatalf("unexpected FlagUnsupported for %q; got %v; want %v", name, got, want)
		}
	}
	f("MULTI", true)
	f("blpop l 0", true)
	f("subscribe ch", true)
	f("pubsub channels", true)
	f("client setname x", true)
	f("select 1", true)
	f("watch k", true)
	f("get k", false)
	f("config get x", false)
	f("xread streams s 0", false)
	f("xreadgroup group g c streams s >", false)
}
