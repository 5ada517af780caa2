package bench

import (
	"errors"
	"strconv"
	"strings"
)

// Ratio is memtier's SET:GET ratio. A client issues Set sets, then Get gets,
// then starts over; 0:N and N:0 are allowed, 0:0 is not.
type Ratio struct {
	Set, Get int
}

func parseInto(r *Ratio, v string) error {
	a, b, ok := strings.Cut(v, ":")
	s, err1 := strconv.ParseUint(a, 10, 31)
	g, err2 := strconv.ParseUint(b, 10, 31)
	if !ok || err1 != nil || err2 != nil || s+g == 0 {
		return errors.New("error: ratio must be expressed as [0-n]:[0-n]")
	}
	*r = Ratio{Set: int(s), Get: int(g)}
	return nil
}

// String returns "set:get".
func (r Ratio) String() string {
	return strconv.Itoa(r.Set) + ":" + strconv.Itoa(r.Get)
}

// opKind is the type of one request.
type opKind uint8

const (
	opSet opKind = iota
	opGet
)

// cycle walks a Ratio: next returns the kind of the following request.
// It holds no pointers, so a client keeps it by value.
type cycle struct {
	r   Ratio
	pos int // position in the current period of r.Set+r.Get requests
}

func (c *cycle) next() opKind {
	k := opGet
	if c.pos < c.r.Set {
		k = opSet
	}
	c.pos++
	if c.pos >= c.r.Set+c.r.Get {
		c.pos = 0
	}
	return k
}
