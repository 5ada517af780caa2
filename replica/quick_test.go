package replica

import (
	"flag"
	"math/rand"
	"testing"
)

var seed = flag.Int64("seed", 1, "seed of the randomized tests")

// naiveDecide is the reference: it decides from scratch over the replies received so
// far (arrival order), with maps instead of counters, as docs/compat.md §3.3 states the rules.
// noQuorum is what Tracker.NoQuorum must report once decided.
func naiveDecide(p *Plan, topo Topology, arrived []int, replies map[int]Reply) (v Verdict, winner int, code Code, noQuorum bool) {
	quorumLevel := p.Req.Level > DCOne
	type dcState struct {
		counted, pending []int
		good, bad        []int // arrival order
	}
	dcs := map[int]*dcState{}
	for i, tg := range p.Targets {
		if !tg.Counted {
			continue
		}
		if dcs[tg.DC] == nil {
			dcs[tg.DC] = &dcState{}
		}
		dcs[tg.DC].counted = append(dcs[tg.DC].counted, i)
		if _, ok := replies[i]; !ok {
			dcs[tg.DC].pending = append(dcs[tg.DC].pending, i)
		}
	}
	for _, i := range arrived {
		tg := p.Targets[i]
		if !tg.Counted {
			continue
		}
		if replies[i].Err {
			dcs[tg.DC].bad = append(dcs[tg.DC].bad, i)
		} else {
			dcs[tg.DC].good = append(dcs[tg.DC].good, i)
		}
	}
	allWon := true
	winner = -1
	for dc := 0; dc < topo.DCs(); dc++ {
		st := dcs[dc]
		if st == nil {
			continue
		}
		q := len(st.counted)/2 + 1
		if p.Req.Level == DCOne {
			q = 1
		}
		if len(st.good)+len(st.pending) < q {
			return Lost, st.bad[0], replies[st.bad[0]].Code, quorumLevel
		}
		w := -1
		if len(st.good) >= q {
			bySum := map[uint32][]int{}
			for _, i := range st.good {
				bySum[replies[i].Sum] = append(bySum[replies[i].Sum], i)
			}
			for _, i := range st.good {
				if len(bySum[replies[i].Sum]) >= q {
					w = i
					break
				}
			}
			if w < 0 && len(st.pending) == 0 {
				if p.Req.Level >= DCSafeQuorum {
					return Lost, -1, NoQuorum, true
				}
				w = st.good[0]
				noQuorum = true
			}
		}
		if w < 0 {
			allWon = false
			continue
		}
		if dc == topo.LocalDC() || winner < 0 {
			winner = w
		}
	}
	if !allWon {
		return Pending, -1, NoError, false
	}
	return Won, winner, NoError, noQuorum
}

// TestTrackerMatchesNaive feeds random replies in random order to the tracker and
// checks every intermediate verdict against the naive reference.
func TestTrackerMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewSource(*seed))
	specs := []string{"1", "2", "3", "4", "5", "3,2", "2,2,1", "2x2,3"}
	for iter := 0; iter < 20000; iter++ {
		topo := newFakeTopo(specs[rng.Intn(len(specs))])
		req := Request{Write: rng.Intn(2) == 0, Level: Level(1 + rng.Intn(3)), Token: rng.Uint32()}
		var p Plan
		Route(topo, req, &p)
		var tr Tracker
		tr.Start(topo, &p)
		replies := map[int]Reply{}
		var arrived []int
		for _, i := range rng.Perm(len(p.Targets)) {
			r := Reply{Sum: uint32(rng.Intn(3))}
			switch rng.Intn(5) {
			case 0:
				r.Err = true
			case 1:
				r.Err, r.Code = true, PeerNotConnected
			}
			replies[i] = r
			arrived = append(arrived, i)
			got := tr.Step(i, r)
			wantV, wantW, wantC, wantNQ := naiveDecide(&p, topo, arrived, replies)
			gotW, gotC := tr.Result()
			gotNQ := got != Pending && tr.NoQuorum()
			if got != wantV || (got != Pending && (gotW != wantW || gotC != wantC || gotNQ != wantNQ)) {
				t.Fatalf("seed %d iter %d: level %v write %v plan %+v arrivals %v replies %v: unexpected verdict; got %v t%d %v no-quorum %v; want %v t%d %v no-quorum %v",
					*seed, iter, req.Level, req.Write, p.Targets, arrived, replies, got, gotW, gotC, gotNQ, wantV, wantW, wantC, wantNQ)
			}
			if got != Pending {
				break
			}
		}
	}
}
