package ring_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/ring"
)

func TestParseToken(t *testing.T) {
	f := func(s string, want uint32) {
		t.Helper()
		got, err := ring.ParseToken(s)
		if err != nil || got != want {
			t.Errorf("unexpected ParseToken(%q); got %d, %v; want %d", s, got, err, want)
		}
	}
	f("0", 0)
	f("00", 0)
	f("101134286", 101134286)
	f("2147483648", 2147483648)
	f("4294967295", 4294967295)
	// C Dynomite folding (see token.go): 10 digits wrap modulo 2^32 ...
	f("4294967296", 0)
	f("9999999999", 9999999999%(1<<32))
	// ... and each further group of 10 digits is v*387420489 + group.
	f("12345678901", 1*387420489+2345678901)
	f("100000000000000000000", uint32((uint64(387420489)*387420489)%(1<<32))) // "1", then two zero groups

	for _, bad := range []string{"", "-1", "+1", "1a", " 1", "1 ", "0x10", "1.5"} {
		if _, err := ring.ParseToken(bad); !errors.Is(err, ring.ErrBadToken) {
			t.Errorf("unexpected error for %q; got %v; want ErrBadToken", bad, err)
		}
	}
}

func TestParseTokens(t *testing.T) {
	f := func(s string, want ...uint32) {
		t.Helper()
		got, err := ring.ParseTokens(s)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("unexpected ParseTokens(%q); got %v, %v; want %v", s, got, err, want)
		}
	}
	f("101134286", 101134286)
	f("0,2147483648", 0, 2147483648)
	f("3, 1 ,2", 3, 1, 2)
	f("5,5", 5, 5) // duplicates are New's business
	for _, bad := range []string{"", ",", "1,", ",1", "1,,2", "1;2", strings.Repeat("1,", 4096) + "1"} {
		if _, err := ring.ParseTokens(bad); !errors.Is(err, ring.ErrBadToken) {
			t.Errorf("unexpected error for %.20q; got %v; want ErrBadToken", bad, err)
		}
	}
}
