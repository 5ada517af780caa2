package resp_test

import (
	"errors"
	"fmt"

	"github.com/dynomite-go/dynomite/codec/resp"
)

func ExampleParser_Parse() {
	var p resp.Parser
	var req resp.Request
	in := []byte("*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\nPING\r\n*1\r\n$4\r\nPI")
	for {
		n, err := p.Parse(in, &req)
		if errors.Is(err, resp.ErrIncomplete) {
			fmt.Printf("need more bytes after %q\n", in)
			break
		}
		if err != nil {
			var pe *resp.ProtocolError
			errors.As(err, &pe)
			fmt.Printf("reply %q and close\n", pe.Reply())
			break
		}
		reply, ok := req.Validate(nil)
		fmt.Printf("%q cmd=%s inline=%v valid=%v %q\n", req.Args, req.Cmd.Name, req.Inline, ok, reply)
		in = in[n:]
	}
	// Output:
	// ["GET" "foo"] cmd=get inline=false valid=true ""
	// ["PING"] cmd=ping inline=true valid=true ""
	// need more bytes after "*1\r\n$4\r\nPI"
}

func ExampleCommand_Keys() {
	args := [][]byte{[]byte("EVAL"), []byte("return 1"), []byte("2"), []byte("k1"), []byte("k2"), []byte("arg")}
	cmd := resp.LookupArgs(args)
	fmt.Println(cmd.Name, cmd.Keys(args, nil), cmd.Has(resp.FlagMovableKeys))
	// Output: eval [3 4] true
}

func ExampleSplit() {
	args := [][]byte{[]byte("MGET"), []byte("a1"), []byte("b1"), []byte("a2")}
	req := resp.Request{Args: args, Cmd: resp.LookupArgs(args)}
	owner := func(key []byte) int { return int(key[0] - 'a') } // node 0 owns a*, node 1 owns b*

	var s resp.Split
	buf, _ := s.Split(nil, &req, owner)
	_ = buf // holds every part's Frame
	for _, p := range s.Parts {
		fmt.Printf("owner %d: %q\n", p.Owner, p.Frame)
	}
	replies := [][]byte{
		[]byte("*2\r\n$1\r\nx\r\n$-1\r\n"), // a1, a2
		[]byte("*1\r\n$1\r\ny\r\n"),        // b1
	}
	merged, _ := s.Merge(nil, replies)
	fmt.Printf("%q\n", merged)
	// Output:
	// owner 0: "*3\r\n$4\r\nMGET\r\n$2\r\na1\r\n$2\r\na2\r\n"
	// owner 1: "*2\r\n$4\r\nMGET\r\n$2\r\nb1\r\n"
	// "*3\r\n$1\r\nx\r\n$1\r\ny\r\n$-1\r\n"
}
