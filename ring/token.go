package ring

import (
	"fmt"
	"strings"
)

// A token is a node's position on its rack's ring: an unsigned 32-bit
// number, compared as unsigned (0 sorts first). This file parses the
// `tokens:` value of the configuration and the token field of a
// `dyn_seeds` entry.
//
// C Dynomite parses tokens with a bignum-shaped routine that keeps a single
// 32-bit word. We accept what it accepts for well-formed input and place
// every token where it places it:
//
//   - up to 10 digits: the decimal value modulo 2^32 (so "4294967296" is 0);
//   - more digits: the first len%10 digits (or 10) as above, then for every
//     following group of 10 digits v = v*387420489 + group (mod 2^32),
//     which is what its word arithmetic computes.
//
// Values above 4294967295 are configuration mistakes, but a node that must
// agree with C nodes on the ring has to read them the same way.
//
// We are stricter than C where C reads garbage silently: a token must be
// non-empty and all digits (C reads a group with any other byte as 0, and
// a leading '-' as a negative number that sorts before every token).

// maxTokens bounds the comma list so a hostile or broken value cannot make
// a node build a huge continuum; 4096 virtual nodes per node is far beyond
// any useful setting.
const maxTokens = 4096

// ParseToken parses one decimal token, folding long values as C Dynomite
// does (see above). Errors wrap ErrBadToken.
func ParseToken(s string) (uint32, error) {
	if s == "" {
		return 0, fmt.Errorf("empty token: %w", ErrBadToken)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("token %q: %w", s, ErrBadToken)
		}
	}
	first := len(s) % 10
	if first == 0 {
		first = 10
	}
	v := atoui32(s[:first])
	for s = s[first:]; s != ""; s = s[10:] {
		v = v*0x17179149 + atoui32(s[:10])
	}
	return v, nil
}

// atoui32 is the decimal value of digits modulo 2^32.
func atoui32(digits string) uint32 {
	var v uint32
	for i := 0; i < len(digits); i++ {
		v = v*10 + uint32(digits[i]-'0')
	}
	return v
}

// ParseTokens parses a comma-separated token list such as "0,2147483648".
// Spaces around each element are ignored. Order and duplicates are kept as
// written; New rejects duplicates within a rack.
func ParseTokens(s string) ([]uint32, error) {
	if strings.Count(s, ",") >= maxTokens {
		return nil, fmt.Errorf("more than %d tokens: %w", maxTokens, ErrBadToken)
	}
	var tokens []uint32
	for part := range strings.SplitSeq(s, ",") {
		t, err := ParseToken(strings.Trim(part, " \t"))
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, t)
	}
	return tokens, nil
}
