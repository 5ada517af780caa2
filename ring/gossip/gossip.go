package gossip

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/dynomite-go/dynomite/ring"
	"github.com/dynomite-go/dynomite/ring/seeds"
)

// Errors returned by this package. Compare with errors.Is.
var (
	// ErrTooLong: the payload is longer than Limits.MaxBytes.
	ErrTooLong = errors.New("gossip: payload too long")
	// ErrTooMany: the payload holds more records than Limits.MaxRecords.
	ErrTooMany = errors.New("gossip: too many records")
	// ErrBadRecord: a record is malformed; Skip.Err wraps it.
	ErrBadRecord = errors.New("gossip: malformed record")
)

// State is a node state as C Dynomite numbers it (docs/compat.md §6.1).
type State uint8

// The states C defines; 5, 6, 9 and 10 are commented out there.
const (
	Init       State = 0
	Standby    State = 1
	WritesOnly State = 2
	Resuming   State = 3
	Normal     State = 4
	Joining    State = 7
	Down       State = 8
	Reset      State = 11
	Unknown    State = 12
)

var stateNames = [...]string{
	Init: "INIT", Standby: "STANDBY", WritesOnly: "WRITES_ONLY", Resuming: "RESUMING",
	Normal: "NORMAL", Joining: "JOINING", Down: "DOWN", Reset: "RESET", Unknown: "UNKNOWN",
}

// Known reports whether s is one of the states C defines.
func (s State) Known() bool { return int(s) < len(stateNames) && stateNames[s] != "" }

// String returns C's name of the state, or "State(n)".
func (s State) String() string {
	if s.Known() {
		return stateNames[s]
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Record is one node as gossip describes it.
type Record struct {
	DC, Rack string
	Token    uint32 // the node's first token (C gossips one)
	TS       uint64 // unix seconds of the sender's last news of the node
	State    State
	Addr     string // broadcast address: a host, or host:port
}

// Skip is a record Decode left out, and why.
type Skip struct {
	Index  int    // position in the payload, from 0
	Record string // the record, cut to 80 bytes
	Err    error  // wraps ErrBadRecord
}

func (s Skip) String() string { return fmt.Sprintf("record %d %q: %v", s.Index, s.Record, s.Err) }

// Limits bound what Decode accepts.
type Limits struct {
	MaxBytes   int
	MaxRecords int
}

// DefaultLimits: C writes at most 256 bytes per record into one buffer.
var DefaultLimits = Limits{MaxBytes: 256 << 10, MaxRecords: 1024}

// AppendRecord appends r as C writes it and returns the extended slice.
// r is written as given: the caller keeps names and addresses valid (Check).
func AppendRecord(dst []byte, r Record) []byte {
	dst = append(dst, r.DC...)
	dst = append(dst, '$')
	dst = append(dst, r.Rack...)
	dst = append(dst, '$')
	dst = strconv.AppendUint(dst, uint64(r.Token), 10)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, r.TS, 10)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(r.State), 10)
	dst = append(dst, ',')
	return append(dst, r.Addr...)
}

// AppendTable appends the records joined by '|', C's state table.
func AppendTable(dst []byte, recs []Record) []byte {
	for i, r := range recs {
		if i > 0 {
			dst = append(dst, '|')
		}
		dst = AppendRecord(dst, r)
	}
	return dst
}

// Decode reads an announcement or a state table. It returns the records it
// accepted in payload order and a Skip for each bad one; a payload over lim
// (zero fields take DefaultLimits) gives ErrTooLong or ErrTooMany and
// nothing else. The result does not alias payload.
func Decode(payload []byte, lim Limits) ([]Record, []Skip, error) {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = DefaultLimits.MaxBytes
	}
	if lim.MaxRecords <= 0 {
		lim.MaxRecords = DefaultLimits.MaxRecords
	}
	if len(payload) > lim.MaxBytes {
		return nil, nil, fmt.Errorf("cannot decode gossip of %d bytes (limit %d): %w", len(payload), lim.MaxBytes, ErrTooLong)
	}
	p := string(payload)
	if n := strings.Count(p, "|") + 1; n > lim.MaxRecords {
		return nil, nil, fmt.Errorf("cannot decode gossip of %d records (limit %d): %w", n, lim.MaxRecords, ErrTooMany)
	}
	var recs []Record
	var skips []Skip
	i := -1
	for rec := range strings.SplitSeq(p, "|") {
		i++
		r, err := DecodeRecord(rec)
		if err != nil {
			if len(rec) > 80 {
				rec = rec[:80]
			}
			skips = append(skips, Skip{Index: i, Record: rec, Err: err})
			continue
		}
		recs = append(recs, r)
	}
	return recs, skips, nil
}

// DecodeRecord reads one dc$rack$token,ts,state,address record, fields
// taken from the right. Errors wrap ErrBadRecord.
func DecodeRecord(rec string) (Record, error) {
	var f [3]string // address, state, ts
	rest := rec
	for k := range f {
		i := strings.LastIndexByte(rest, ',')
		if i < 0 {
			return Record{}, fmt.Errorf("not dc$rack$token,ts,state,address: %w", ErrBadRecord)
		}
		f[k], rest = rest[i+1:], rest[:i]
	}
	addr, stateStr, tsStr := f[0], f[1], f[2]
	j := strings.LastIndexByte(rest, '$')
	if j < 0 {
		return Record{}, fmt.Errorf("host id %q is not dc$rack$token: %w", cut(rest), ErrBadRecord)
	}
	tokStr, rest := rest[j+1:], rest[:j]
	j = strings.LastIndexByte(rest, '$')
	if j < 0 {
		return Record{}, fmt.Errorf("host id is not dc$rack$token: %w", ErrBadRecord)
	}
	r := Record{DC: rest[:j], Rack: rest[j+1:], Addr: addr}
	if err := Check(r); err != nil {
		return Record{}, err
	}
	tok, err := ring.ParseToken(tokStr)
	if err != nil {
		return Record{}, fmt.Errorf("bad token %q: %v: %w", cut(tokStr), err, ErrBadRecord)
	}
	r.Token = tok
	if len(tsStr) > 20 || !digits(tsStr) {
		return Record{}, fmt.Errorf("bad timestamp %q: %w", cut(tsStr), ErrBadRecord)
	}
	if r.TS, err = strconv.ParseUint(tsStr, 10, 64); err != nil {
		return Record{}, fmt.Errorf("bad timestamp %q: %w", cut(tsStr), ErrBadRecord)
	}
	st, err := strconv.ParseUint(stateStr, 10, 8)
	if err != nil || !digits(stateStr) || !State(st).Known() {
		return Record{}, fmt.Errorf("bad state %q: %w", cut(stateStr), ErrBadRecord)
	}
	r.State = State(st)
	return r, nil
}

// Check reports whether r's names and address can be written and read
// back: DC and rack by seeds.CheckName, the address a host (seeds.CheckHost)
// or host:port. Errors wrap ErrBadRecord.
func Check(r Record) error {
	if err := seeds.CheckName(r.DC); err != nil {
		return fmt.Errorf("bad datacenter: %v: %w", err, ErrBadRecord)
	}
	if err := seeds.CheckName(r.Rack); err != nil {
		return fmt.Errorf("bad rack: %v: %w", err, ErrBadRecord)
	}
	if seeds.CheckHost(r.Addr) == nil {
		return nil
	}
	if _, _, err := SplitAddr(r.Addr, 1); err != nil {
		return err
	}
	return nil
}

// SplitAddr splits a record's address into host and port; an address
// without a port gets port (C assumes the receiver's own dyn_listen port).
// Errors wrap ErrBadRecord.
func SplitAddr(addr string, port int) (string, int, error) {
	if seeds.CheckHost(addr) == nil {
		return addr, port, nil
	}
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return "", 0, fmt.Errorf("bad address %q: %w", cut(addr), ErrBadRecord)
	}
	host, ps := addr[:i], addr[i+1:]
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	p, err := strconv.Atoi(ps)
	if seeds.CheckHost(host) != nil || err != nil || !digits(ps) || p < 1 || p > 65535 {
		return "", 0, fmt.Errorf("bad address %q: %w", cut(addr), ErrBadRecord)
	}
	return host, p, nil
}

func cut(s string) string {
	if len(s) > 80 {
		return s[:80]
	}
	return s
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
