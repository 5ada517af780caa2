package replica

// Verdict is the state of a request after a reply.
type Verdict uint8

// Verdicts. Retry asks the engine to send the target returned by Tracker.Retry.
const (
	Pending Verdict = iota
	Won
	Lost
	Retry
)

var verdictNames = [...]string{"Pending", "Won", "Lost", "Retry"}

func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "Verdict(?)"
}

// Reply is what the tracker needs to know of one reply.
type Reply struct {
	// Err is true for an error reply from the datastore (-ERR, -WRONGTYPE ...) and for
	// failures the engine made up (Code != NoError).
	Err bool
	// Code is set when the engine made the reply up: not connected, refused, timed out.
	Code Code
	// Sum is a checksum of the reply payload (CRC32 in C Dynomite), compared under quorum.
	Sum uint32
}

// failed reports a connection-level failure: the only kind a DC_ONE read fails over on.
func (r Reply) failed() bool { return r.Code != NoError }

type slot struct {
	done  bool
	reply Reply
}

// Tracker collects the replies of one request and decides (docs/compat.md §3.3, generalised
// to any number of racks: replies agree when at least a quorum of them carry the same
// checksum). Its zero value is not usable: call Start.
type Tracker struct {
	plan    *Plan
	topo    Topology
	slots   []slot
	stk     [planStack]slot
	order   []int // indexes of counted replies in arrival order
	ostk    [planStack]int
	verdict Verdict
	winner  int
	code    Code
	retry   Target
	// noQuorum: the decision was reached without a quorum (NoQuorum).
	noQuorum bool
}

// Start prepares t for the request planned in p. p must not be re-routed while t is in use.
func (t *Tracker) Start(topo Topology, p *Plan) {
	t.plan, t.topo = p, topo
	t.slots = t.stk[:0]
	for range p.Targets {
		t.slots = append(t.slots, slot{})
	}
	t.order = t.ostk[:0]
	t.verdict, t.winner, t.code, t.noQuorum = Pending, -1, NoError, false
}

// Verdict returns the current verdict.
func (t *Tracker) Verdict() Verdict { return t.verdict }

// Result returns the index of the target whose reply goes to the client, or -1 and
// the error code to answer with. Valid once the verdict is Won or Lost.
func (t *Tracker) Result() (target int, code Code) { return t.winner, t.code }

// NoQuorum reports whether the request was decided without a quorum in
// some DC (docs/compat.md §3.3, what client_non_quorum_r_responses and
// client_non_quorum_w_responses count): lost with fewer good replies than
// a quorum or, under DC_SAFE_QUORUM and DC_EACH_SAFE_QUORUM, without
// checksum agreement, or won by DC_QUORUM's fallback to the first good
// reply when none agree. DC_ONE waits for no quorum and always reports
// false, as C Dynomite runs its response manager for the quorum levels
// only. Valid once the verdict is Won or Lost.
func (t *Tracker) NoQuorum() bool { return t.noQuorum }

// Retry returns the target to send after a Retry verdict; it is already appended to
// the plan, at index len(plan.Targets)-1.
func (t *Tracker) Retry() Target { return t.retry }

// Step records the reply of target i and returns the verdict. Replies of targets that
// are not counted, and replies after the decision, change nothing.
func (t *Tracker) Step(i int, r Reply) Verdict {
	if t.verdict == Won || t.verdict == Lost || i < 0 || i >= len(t.slots) || t.slots[i].done {
		return t.verdict
	}
	t.slots[i] = slot{done: true, reply: r}
	tg := t.plan.Targets[i]
	if !tg.Counted {
		return t.verdict
	}
	t.order = append(t.order, i)
	if r.failed() && t.plan.Req.Level == DCOne && !t.plan.Req.Write && t.plan.Req.Routing == RouteNormal {
		if next, ok := Failover(t.topo, t.plan, tg); ok {
			t.plan.Targets[i].Counted = false
			t.plan.add(next)
			t.slots = append(t.slots, slot{})
			t.retry = next
			t.verdict = Retry
			return Retry
		}
	}
	t.verdict = t.decide()
	return t.verdict
}

// decide applies the per-DC rule to every DC that has counted targets: the request is
// won when every DC is won, lost as soon as one DC is lost.
func (t *Tracker) decide() Verdict {
	ldc := t.topo.LocalDC()
	pending, agreed := false, true
	winner := -1
	for dc := 0; dc < t.topo.DCs(); dc++ {
		v, w, code, ok := t.decideDC(dc)
		switch v {
		case Lost:
			t.winner, t.code = w, code
			t.noQuorum = t.plan.Req.Level > DCOne
			return Lost
		case Pending:
			pending = true
		case Won:
			agreed = agreed && ok
			if dc == ldc || winner < 0 {
				winner = w
			}
		}
	}
	if pending {
		return Pending
	}
	t.winner = winner
	t.noQuorum = !agreed
	return Won
}

// decideDC returns the verdict of one DC and, when decided, the winning target (or
// the first error's target with Lost). A DC without counted targets is Won with -1.
// agreed is false when a Won DC had no quorum of agreeing replies (DC_QUORUM's
// fallback to the first good reply).
func (t *Tracker) decideDC(dc int) (v Verdict, target int, code Code, agreed bool) {
	total, good, pending, firstErr, firstGood := 0, 0, 0, -1, -1
	for i, tg := range t.plan.Targets {
		if !tg.Counted || tg.DC != dc {
			continue
		}
		total++
		s := t.slots[i]
		switch {
		case !s.done:
			pending++
		case s.reply.Err:
			if firstErr < 0 || t.before(i, firstErr) {
				firstErr = i
			}
		default:
			good++
			if firstGood < 0 || t.before(i, firstGood) {
				firstGood = i
			}
		}
	}
	if total == 0 {
		return Won, -1, NoError, true
	}
	q := t.quorum(dc, total)
	if good+pending < q {
		return Lost, firstErr, t.slots[firstErr].reply.Code, false
	}
	if good < q {
		return Pending, -1, NoError, false
	}
	if q == 1 {
		return Won, firstGood, NoError, true
	}
	if w := t.agreeing(dc, q); w >= 0 {
		return Won, w, NoError, true
	}
	if pending > 0 {
		return Pending, -1, NoError, false
	}
	if t.plan.Req.Level >= DCSafeQuorum {
		return Lost, -1, NoQuorum, false
	}
	return Won, firstGood, NoError, false
}

// quorum is the number of agreeing replies needed in dc. Under DC_ONE only the
// own-rack reply counts.
func (t *Tracker) quorum(dc, counted int) int {
	if t.plan.Req.Level == DCOne {
		return 1
	}
	return Quorum(counted)
}

// agreeing returns the earliest good reply of dc whose checksum at least q good
// replies share, or -1.
func (t *Tracker) agreeing(dc, q int) int {
	for _, i := range t.order {
		s := t.slots[i]
		if s.reply.Err || t.plan.Targets[i].DC != dc {
			continue
		}
		n := 0
		for _, j := range t.order {
			o := t.slots[j]
			if !o.reply.Err && t.plan.Targets[j].DC == dc && o.reply.Sum == s.reply.Sum {
				n++
			}
		}
		if n >= q {
			return i
		}
	}
	return -1
}

// before reports whether the reply of target i arrived before that of j.
func (t *Tracker) before(i, j int) bool {
	for _, k := range t.order {
		if k == i {
			return true
		}
		if k == j {
			return false
		}
	}
	return false
}
