package seeds

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/dynomite-go/dynomite/ring"
)

// Seed is one accepted record of a seed list: a node and its place.
type Seed struct {
	Host   string // name or IP literal, without brackets
	Port   int    // 1..65535
	Rack   string
	DC     string
	Tokens []uint32 // at least one
}

// Addr returns host:port, with brackets around an IPv6 literal.
func (s Seed) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Skip is a record that Parse or Build left out, and why.
type Skip struct {
	Index  int    // position of the record in the list, from 0
	Record string // the record, cut to maxQuote bytes
	Err    error  // wraps ErrBadRecord or ErrConflict
}

func (s Skip) String() string { return fmt.Sprintf("record %d %q: %v", s.Index, s.Record, s.Err) }

// Limits bound what Parse accepts, so a broken or hostile provider cannot
// make a node build a huge ring.
type Limits struct {
	MaxBytes   int // longest list, in bytes
	MaxRecords int // most records in one list
}

// DefaultLimits are far above any real cluster (C Dynomite's gossip assumes a
// few hundred nodes at most).
var DefaultLimits = Limits{MaxBytes: 256 << 10, MaxRecords: 1024}

const (
	maxQuote    = 80  // bytes of a bad record kept in a Skip
	maxName     = 255 // longest rack or DC name
	maxHostName = 253 // longest DNS name
)

// Parse reads a pipe-joined seed list. Blanks and line ends around records
// are ignored, and so are empty records (a trailing '|'). It returns the
// records it accepted in list order, and a Skip for each one it did not.
// A list over lim (zero fields take DefaultLimits) is refused whole with
// ErrTooLong or ErrTooMany, and nothing else is returned. The result does
// not alias list.
func Parse(list string, lim Limits) ([]Seed, []Skip, error) {
	lim = lim.orDefault()
	if len(list) > lim.MaxBytes {
		return nil, nil, fmt.Errorf("cannot parse seed list of %d bytes (limit %d): %w", len(list), lim.MaxBytes, ErrTooLong)
	}
	if n := strings.Count(list, "|") + 1; n > lim.MaxRecords {
		return nil, nil, fmt.Errorf("cannot parse seed list of %d records (limit %d): %w", n, lim.MaxRecords, ErrTooMany)
	}
	var out []Seed
	var skips []Skip
	i := -1
	for rec := range strings.SplitSeq(list, "|") {
		i++
		rec = strings.TrimSpace(rec)
		if rec == "" {
			continue
		}
		s, err := ParseRecord(rec)
		if err != nil {
			skips = append(skips, Skip{Index: i, Record: quote(rec), Err: err})
			continue
		}
		out = append(out, s)
	}
	return out, skips, nil
}

func (l Limits) orDefault() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxRecords <= 0 {
		l.MaxRecords = DefaultLimits.MaxRecords
	}
	return l
}

func quote(s string) string {
	if len(s) > maxQuote {
		return s[:maxQuote]
	}
	return s
}

// ParseRecord reads one host:port:rack:dc:tokens record, split from the
// right. Errors wrap ErrBadRecord.
func ParseRecord(rec string) (Seed, error) {
	var f [4]string // tokens, dc, rack, port
	rest := rec
	for k := range f {
		i := strings.LastIndexByte(rest, ':')
		if i < 0 {
			return Seed{}, fmt.Errorf("not host:port:rack:dc:tokens: %w", ErrBadRecord)
		}
		f[k], rest = rest[i+1:], rest[:i]
	}
	tokStr, dc, rack, portStr, host := f[0], f[1], f[2], f[3], rest
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if CheckHost(host) != nil {
		return Seed{}, fmt.Errorf("bad host %q: %w", quote(host), ErrBadRecord)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 || !digits(portStr) {
		return Seed{}, fmt.Errorf("bad port %q (1..65535): %w", quote(portStr), ErrBadRecord)
	}
	if err := CheckName(rack); err != nil {
		return Seed{}, fmt.Errorf("bad rack: %w", err)
	}
	if err := CheckName(dc); err != nil {
		return Seed{}, fmt.Errorf("bad datacenter: %w", err)
	}
	tokens, err := ring.ParseTokens(tokStr)
	if err != nil {
		return Seed{}, fmt.Errorf("bad tokens %q: %v: %w", quote(tokStr), err, ErrBadRecord)
	}
	if dup := firstDuplicate(tokens); dup >= 0 {
		return Seed{}, fmt.Errorf("token %d given twice: %w", tokens[dup], ErrBadRecord)
	}
	return Seed{Host: host, Port: port, Rack: rack, DC: dc, Tokens: tokens}, nil
}

// CheckName accepts a rack or datacenter name: 1..255 printable ASCII
// bytes other than the separators of seed lists and gossip records
// (':', '|', '$', ',') and blanks. Errors wrap ErrBadRecord.
func CheckName(s string) error {
	if s == "" || len(s) > maxName {
		return fmt.Errorf("name of %d bytes (1..%d): %w", len(s), maxName, ErrBadRecord)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == ':' || c == '|' || c == '$' || c == ',' {
			return fmt.Errorf("name %q has byte %q: %w", quote(s), c, ErrBadRecord)
		}
	}
	return nil
}

// CheckHost accepts an IP literal without brackets or zone, or a DNS name
// of at most 253 letters, digits, '-', '_' and '.'. Errors wrap
// ErrBadRecord.
func CheckHost(h string) error {
	bad := fmt.Errorf("bad host %q: %w", quote(h), ErrBadRecord)
	if h == "" || len(h) > maxHostName {
		return bad
	}
	if a, err := netip.ParseAddr(h); err == nil {
		if a.Zone() != "" {
			return bad
		}
		return nil
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return bad
		}
	}
	return nil
}

// firstDuplicate returns the index of the first token that repeats an
// earlier one, or -1.
func firstDuplicate(tokens []uint32) int {
	seen := make(map[uint32]struct{}, len(tokens))
	for i, t := range tokens {
		if _, ok := seen[t]; ok {
			return i
		}
		seen[t] = struct{}{}
	}
	return -1
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// AppendRecord appends s in the record format Parse reads (an IPv6 host in
// brackets, tokens comma-joined) and returns the extended slice.
func AppendRecord(dst []byte, s Seed) []byte {
	dst = append(dst, s.Addr()...)
	dst = append(dst, ':')
	dst = append(dst, s.Rack...)
	dst = append(dst, ':')
	dst = append(dst, s.DC...)
	dst = append(dst, ':')
	for i, t := range s.Tokens {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, uint64(t), 10)
	}
	return dst
}

// AppendList appends the records of list joined by '|'.
func AppendList(dst []byte, list []Seed) []byte {
	for i, s := range list {
		if i > 0 {
			dst = append(dst, '|')
		}
		dst = AppendRecord(dst, s)
	}
	return dst
}
