package bench

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// keyGen yields key IDs for one client and one request kind, following one
// memtier key pattern:
//
//	R  uniform over [min, max]
//	G  Gaussian around median (default the centre) with stddev (default
//	   range/6), redrawn until it falls inside the range
//	S  min, min+1, ..., max, min, ... (each client and each kind has its own
//	   position, so all clients walk the same keys)
//	P  like S, but over this client's slice of the range: the range is cut
//	   into one slice of (max-min)/clients+1 keys per client
//
// A keyGen is owned by one client goroutine.
type keyGen struct {
	pattern  byte
	min, max uint64
	next     uint64
	stddev   float64
	median   float64
	rng      *gauss
}

// gauss is a seeded source shared by the key generators of one client.
type gauss struct {
	r     *rand.Rand
	spare float64
	has   bool
}

func newGauss(seed uint64) *gauss {
	return &gauss{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// normal returns a standard normal sample (Marsaglia's polar method, which
// yields two samples per accepted pair; the second is kept for the next call).
func (g *gauss) normal() float64 {
	if g.has {
		g.has = false
		return g.spare
	}
	for {
		u := g.r.Float64()*2 - 1
		v := g.r.Float64()*2 - 1
		s := u*u + v*v
		if s >= 1 || s == 0 {
			continue
		}
		f := math.Sqrt(-2 * math.Log(s) / s)
		g.spare, g.has = v*f, true
		return u * f
	}
}

// newKeyGen builds the generator of one kind for client index idx of total.
func newKeyGen(c *Config, pattern byte, idx, total int, rng *gauss) keyGen {
	k := keyGen{pattern: pattern, min: c.KeyMinimum, max: c.KeyMaximum, rng: rng}
	span := float64(k.max - k.min)
	k.median, k.stddev = c.KeyMedian, c.KeyStddev
	if k.median == 0 {
		k.median = span/2 + float64(k.min) + 0.5
	}
	if k.stddev == 0 {
		k.stddev = span / 6
	}
	if pattern == PatternParallel {
		lo, hi := parallelSlice(k.min, k.max, idx, total)
		k.min, k.max = lo, hi
	}
	k.next = k.min
	return k
}

// parallelSlice returns client idx's slice of [min, max] under the P pattern.
// Slices have (max-min)/total+1 keys; trailing clients may get a short or
// empty-looking slice, which is clamped to the last key.
func parallelSlice(min, max uint64, idx, total int) (lo, hi uint64) {
	size := (max-min)/uint64(total) + 1
	lo = min + uint64(idx)*size
	hi = lo + size - 1
	if lo > max {
		lo = max
	}
	if hi > max {
		hi = max
	}
	return lo, hi
}

// nextID returns the next key ID.
func (k *keyGen) nextID() uint64 {
	switch k.pattern {
	case PatternRandom:
		return k.min + k.rng.r.Uint64N(k.max-k.min+1)
	case PatternGaussian:
		if k.min == k.max {
			return k.min
		}
		for {
			v := k.rng.normal()*k.stddev + k.median
			if v >= float64(k.min) && v < float64(k.max)+1 {
				return uint64(v)
			}
		}
	default: // sequential and parallel
		id := k.next
		if k.next >= k.max {
			k.next = k.min
		} else {
			k.next++
		}
		return id
	}
}

// appendKey appends prefix and id in decimal to dst.
func appendKey(dst []byte, prefix string, id uint64) []byte {
	dst = append(dst, prefix...)
	return strconv.AppendUint(dst, id, 10)
}
