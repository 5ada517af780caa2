package ring_test

import (
	"fmt"
	"sync/atomic"

	"github.com/dynomite-go/dynomite/ring"
)

// A node keeps the current snapshot in an atomic.Pointer and swaps in a new
// one when membership changes; readers never lock.
func Example() {
	hash, _ := ring.HashByName("murmur")
	nodes := []ring.Node{
		{Name: "10.0.0.1:8101", DC: "dc1", Rack: "rack1", Tokens: []uint32{0}},          // this node
		{Name: "10.0.0.2:8101", DC: "dc1", Rack: "rack1", Tokens: []uint32{2147483648}}, // from dyn_seeds
	}
	snap, err := ring.New(nodes, 0, hash, "")
	if err != nil {
		panic(err)
	}
	var current atomic.Pointer[ring.Snapshot]
	current.Store(snap)

	s := current.Load()
	for _, key := range []string{"foo", "bar"} {
		tok := s.Token([]byte(key))
		owner := s.Owner(s.LocalDC(), s.LocalRack(), tok)
		fmt.Printf("%s token %d owner %s\n", key, tok, s.Node(owner).Name)
	}
	// Output:
	// foo token 3303027599 owner 10.0.0.1:8101
	// bar token 516654467 owner 10.0.0.2:8101
}
