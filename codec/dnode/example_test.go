package dnode_test

import (
	"errors"
	"fmt"

	"github.com/dynomite-go/dynomite/codec/dnode"
)

// A peer connection's read side: drop garbage, wait for a whole header,
// then hand the payload to the payload codec (here: an exact payload_len).
func ExampleParser_Parse() {
	in := []byte("noise" + "   $2014$ 17 5 0 1 1 *1 d *9\r\n$3\r\nbar\r\n")
	var p dnode.Parser
	var h dnode.Header
	for _, chunk := range [][]byte{in[:20], in} { // first a partial read, then all of it
		skipped, n, err := p.Parse(chunk, &h)
		if errors.Is(err, dnode.ErrIncomplete) {
			fmt.Printf("need more bytes; %d bytes of garbage can go\n", skipped)
			continue
		}
		if err != nil {
			fmt.Println("close the connection:", err)
			return
		}
		payload := chunk[skipped+n : skipped+n+int(h.PayloadLen)]
		fmt.Printf("%s id %d same_dc %v payload %q\n", h.Type, h.MsgID, h.SameDC, payload)
	}
	reply := dnode.AppendHeader(nil, dnode.Plain(h.MsgID, dnode.TypeRes, true, 5))
	fmt.Printf("%q\n", append(reply, "+OK\r\n"...))
	// Output:
	// need more bytes; 5 bytes of garbage can go
	// DMSG_RES id 17 same_dc true payload "$3\r\nbar\r\n"
	// "   $2014$ 17 5 0 1 1 *1 d *5\r\n+OK\r\n"
}
