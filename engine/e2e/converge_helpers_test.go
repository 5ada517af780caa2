package e2e

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/enginetest"
	"github.com/dynomite-go/dynomite/engine/hints/replay"
)

// Helpers of the convergence tests (converge_*_test.go): writes of every
// data type through a node, and the comparison of two datastores key by
// key.

// writeEvery writes key family prefix:<i> for i in [from, to) through c,
// one data type per i mod 7 (string, counter, hash, list, set, sorted set,
// string with expiry), pipelined. Counters are incremented three times, so
// a counter applied twice shows. It returns the first error reply.
func writeEvery(c *enginetest.Client, prefix string, from, to int) error {
	sent := 0
	for i := from; i < to; i++ {
		k := prefix + ":" + strconv.Itoa(i)
		v := "v" + strconv.Itoa(i)
		var cmds [][]string
		switch i % 7 {
		case 0:
			cmds = [][]string{{"SET", k, v}}
		case 1:
			cmds = [][]string{{"INCRBY", k, "2"}, {"INCRBY", k, "3"}, {"INCR", k}}
		case 2:
			cmds = [][]string{{"HSET", k, "f1", v, "f2", "x"}}
		case 3:
			cmds = [][]string{{"RPUSH", k, "a", v}, {"LPUSH", k, "z"}}
		case 4:
			cmds = [][]string{{"SADD", k, "m1", v}}
		case 5:
			cmds = [][]string{{"ZADD", k, "1", "m1", "2.5", v}}
		case 6:
			cmds = [][]string{{"SET", k, v, "EX", "3600"}}
		}
		for _, cmd := range cmds {
			if err := c.Send(cmd...); err != nil {
				return err
			}
			sent++
		}
		if sent >= 64 || i == to-1 {
			if err := c.Flush(); err != nil {
				return err
			}
			for ; sent > 0; sent-- {
				r, err := c.Read()
				if err != nil {
					return err
				}
				if r.IsError() {
					return fmt.Errorf("write of %s: %s", k, r.Str)
				}
			}
		}
	}
	return nil
}

// storeKeys returns every key of the datastore at addr.
func storeKeys(t *testing.T, c *replay.Conn) map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	cursor := []byte("0")
	for n := 0; n < 100000; n++ {
		r, err := c.Do([]byte("SCAN"), cursor, []byte("COUNT"), []byte("1000"))
		if err != nil {
			t.Fatalf("cannot scan: %v", err)
		}
		var ks [][]byte
		cursor, ks, err = replay.Scan(r, nil)
		if err != nil {
			t.Fatalf("cannot scan: %v", err)
		}
		for _, k := range ks {
			keys[string(k)] = true
		}
		if string(cursor) == "0" {
			return keys
		}
	}
	t.Fatal("SCAN did not end")
	return nil
}

// diffStores compares the datastores at a and b: the key sets, each key's
// value (replay.Canonical) and its expiry (PTTL within two seconds, both
// set or both unset). It returns a description of the first differences,
// "" when they hold the same data.
func diffStores(t *testing.T, a, b string) string {
	t.Helper()
	ca, err := replay.Dial(a, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	cb, err := replay.Dial(b, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close()
	ka, kb := storeKeys(t, ca), storeKeys(t, cb)
	var diffs []string
	note := func(f string, args ...any) {
		if len(diffs) < 10 {
			diffs = append(diffs, fmt.Sprintf(f, args...))
		}
	}
	for k := range ka {
		if !kb[k] {
			note("%q only in %s", k, a)
		}
	}
	for k := range kb {
		if !ka[k] {
			note("%q only in %s", k, b)
			continue
		}
		va, err := replay.Canonical(ca, []byte(k))
		if err != nil {
			t.Fatalf("cannot read %q: %v", k, err)
		}
		vb, err := replay.Canonical(cb, []byte(k))
		if err != nil {
			t.Fatalf("cannot read %q: %v", k, err)
		}
		if !bytes.Equal(va, vb) {
			note("%q differs: %q vs %q", k, va, vb)
		}
		ta, tb := pttl(t, ca, k), pttl(t, cb, k)
		if (ta < 0) != (tb < 0) || ta-tb > 2000 || tb-ta > 2000 {
			note("%q expiry differs: pttl %d vs %d", k, ta, tb)
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	return fmt.Sprintf("%d vs %d keys; %s", len(ka), len(kb), strings.Join(diffs, "; "))
}

func pttl(t *testing.T, c *replay.Conn, key string) int64 {
	t.Helper()
	r, err := c.Do([]byte("PTTL"), []byte(key))
	if err != nil {
		t.Fatal(err)
	}
	n, err := replay.Int(r)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitSame polls until the datastores at a and b hold the same data or d
// passes, and returns how long it took, or fails the test with the last
// differences.
func waitSame(t *testing.T, a, b string, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var last string
	for n := 0; n < 10000; n++ {
		if last = diffStores(t, a, b); last == "" {
			return time.Since(start)
		}
		if time.Since(start) > d {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("datastores %s and %s still differ after %v: %s", a, b, d, last)
	return 0
}

// counterValues checks that every counter key of prefix in [from, to)
// holds 6 in the datastore at addr: its three increments applied once.
func counterValues(t *testing.T, addr, prefix string, from, to int) {
	t.Helper()
	c, err := replay.Dial(addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := from; i < to; i++ {
		if i%7 != 1 {
			continue
		}
		k := prefix + ":" + strconv.Itoa(i)
		r, err := c.Do([]byte("GET"), []byte(k))
		if err != nil {
			t.Fatal(err)
		}
		v, _, err := replay.Bulk(r)
		if err != nil || string(v) != "6" {
			t.Fatalf("counter %q in %s is %q (%v); want 6: its increments applied once", k, addr, v, err)
		}
	}
}

// dbsize is the key count of the datastore at addr.
func dbsize(t *testing.T, addr string) int64 {
	t.Helper()
	c, err := replay.Dial(addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := c.Do([]byte("DBSIZE"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := replay.Int(r)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
