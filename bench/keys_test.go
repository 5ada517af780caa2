package bench

import (
	"math"
	"testing"
)

func keyCfg(min, max uint64) *Config {
	c := DefaultConfig()
	c.KeyMinimum, c.KeyMaximum = min, max
	return &c
}

func TestKeySequential(t *testing.T) {
	k := newKeyGen(keyCfg(3, 6), PatternSequential, 0, 1, newGauss(1))
	want := []uint64{3, 4, 5, 6, 3, 4, 5, 6, 3}
	for i, w := range want {
		if got := k.nextID(); got != w {
			t.Fatalf("unexpected key %d; got %d; want %d", i, got, w)
		}
	}
}

func TestKeyParallelSlices(t *testing.T) {
	// 4 clients over [0, 99]: slices of (99-0)/4+1 = 25 keys each.
	const total = 4
	seen := map[uint64]int{}
	for idx := range total {
		k := newKeyGen(keyCfg(0, 99), PatternParallel, idx, total, newGauss(1))
		lo, hi := parallelSlice(0, 99, idx, total)
		for range int(hi-lo) + 1 {
			id := k.nextID()
			if id < lo || id > hi {
				t.Fatalf("unexpected key %d for client %d; want [%d, %d]", id, idx, lo, hi)
			}
			seen[id]++
		}
		if first := k.nextID(); first != lo {
			t.Fatalf("unexpected wrap for client %d; got %d; want %d", idx, first, lo)
		}
	}
	for id := uint64(0); id <= 99; id++ {
		if seen[id] != 1 {
			t.Fatalf("unexpected coverage of key %d; got %d times; want once", id, seen[id])
		}
	}
	if lo, hi := parallelSlice(0, 99, 3, 4); lo != 75 || hi != 99 {
		t.Fatalf("unexpected last slice; got [%d, %d]; want [75, 99]", lo, hi)
	}
}

func TestKeyRandomRange(t *testing.T) {
	k := newKeyGen(keyCfg(10, 19), PatternRandom, 0, 1, newGauss(7))
	hits := map[uint64]int{}
	for range 10000 {
		id := k.nextID()
		if id < 10 || id > 19 {
			t.Fatalf("unexpected key %d outside [10, 19]", id)
		}
		hits[id]++
	}
	for id := uint64(10); id <= 19; id++ {
		if hits[id] < 800 || hits[id] > 1200 {
			t.Errorf("unexpected share of key %d; got %d of 10000; want about 1000", id, hits[id])
		}
	}
}

func TestKeyGaussian(t *testing.T) {
	k := newKeyGen(keyCfg(0, 60000), PatternGaussian, 0, 1, newGauss(3))
	const n = 200000
	var sum, sq float64
	for range n {
		id := k.nextID()
		if id > 60000 {
			t.Fatalf("unexpected key %d outside the range", id)
		}
		v := float64(id)
		sum += v
		sq += v * v
	}
	mean := sum / n
	sd := math.Sqrt(sq/n - mean*mean)
	if math.Abs(mean-30000) > 200 {
		t.Errorf("unexpected mean; got %.0f; want about 30000", mean)
	}
	// stddev defaults to range/6 = 10000; truncation at +-3 sigma trims it by ~1.4%.
	if sd < 9600 || sd > 10100 {
		t.Errorf("unexpected stddev; got %.0f; want about 10000", sd)
	}
}

func TestKeyGaussianMedianStddev(t *testing.T) {
	c := keyCfg(0, 1000)
	c.KeyMedian, c.KeyStddev = 100, 10
	k := newKeyGen(c, PatternGaussian, 0, 1, newGauss(3))
	var sum float64
	for range 10000 {
		sum += float64(k.nextID())
	}
	if mean := sum / 10000; math.Abs(mean-99.5) > 1 {
		t.Fatalf("unexpected mean; got %.2f; want about 99.5 (ids are truncated)", mean)
	}
}

func TestKeySeeds(t *testing.T) {
	seq := func(seed uint64) [5]uint64 {
		k := newKeyGen(keyCfg(0, 1<<40), PatternRandom, 0, 1, newGauss(seed))
		var s [5]uint64
		for i := range s {
			s[i] = k.nextID()
		}
		return s
	}
	if a, b := seq(1), seq(1); a != b {
		t.Fatalf("unexpected: the same seed gave different keys")
	}
	if seq(1) == seq(2) {
		t.Fatalf("unexpected: different seeds gave the same keys")
	}
}

func TestAppendKey(t *testing.T) {
	if got := string(appendKey([]byte("x"), "memtier-", 12345)); got != "xmemtier-12345" {
		t.Fatalf("unexpected key; got %q", got)
	}
}
