package memcache_test

import (
	"fmt"

	"github.com/dynomite-go/dynomite/codec/memcache"
)

// A connection's read loop: parse every complete request, answer errors,
// drop the data block of a value that is too large, keep a partial frame.
func ExampleParser() {
	in := []byte("get a b\r\nset k 0 0 2 noreply\r\nhi\r\nbogus\r\nincr k x\r\nset big 0 0 9\r\n123456789\r\nget")
	p := memcache.Parser{Limits: memcache.Limits{MaxValue: 8}}
	var req memcache.Request
	var out []byte
	skip := 0
	for {
		if skip > 0 { // discard what a rejected value declared
			d := min(skip, len(in))
			in, skip = in[d:], skip-d
		}
		n, err := p.Parse(in, &req)
		if err == memcache.ErrIncomplete {
			break // wait for more bytes; in keeps the partial frame
		}
		if e, ok := err.(*memcache.Error); ok {
			if e.Fatal() {
				break // close the connection
			}
			if !req.NoReply || e == memcache.ErrUnknownCommand {
				out = append(out, e.Reply()...)
			}
		} else {
			fmt.Printf("forward %s keys=%q noreply=%v value=%q\n", req.Cmd, req.Keys, req.NoReply, req.Value)
		}
		in, skip = in[n:], req.Skip
	}
	fmt.Printf("replies %q, left %q\n", out, in)
	// Output:
	// forward get keys=["a" "b"] noreply=false value=""
	// forward set keys=["k"] noreply=true value="hi"
	// replies "ERROR\r\nCLIENT_ERROR invalid numeric delta argument\r\nSERVER_ERROR object too large for cache\r\n", left "get"
}

// A multi-key get over two owners: one sub-request each, then one reply in
// the request's key order.
func ExampleSplitter() {
	var p memcache.Parser
	var req memcache.Request
	p.Parse([]byte("get a b c\r\n"), &req)

	owner := func(key []byte) int { return int(key[0]-'a') % 2 } // a, c -> 0; b -> 1
	var s memcache.Splitter
	frags := s.Split(&req, owner)
	for i := range frags {
		fmt.Printf("owner %d: %q\n", frags[i].Owner, memcache.AppendFragment(nil, &req, &frags[i]))
	}
	replies := [][]byte{
		[]byte("VALUE c 0 1\r\nC\r\nEND\r\n"), // a is missing
		[]byte("VALUE b 0 1\r\nB\r\nEND\r\n"),
	}
	merged, err := s.Merge(nil, &req, replies)
	fmt.Printf("%q %v\n", merged, err)
	// Output:
	// owner 0: "get a c\r\n"
	// owner 1: "get b\r\n"
	// "VALUE b 0 1\r\nB\r\nVALUE c 0 1\r\nC\r\nEND\r\n" <nil>
}
