package ring_test

import (
	"testing"

	"github.com/dynomite-go/dynomite/ring"
)

func TestHashTag(t *testing.T) {
	for _, c := range []struct {
		name, key, tag, want string
	}{
		{"no tag configured", "user:{1}", "", "user:{1}"},
		{"tag", "user:{1}:name", "{}", "1"},
		{"first open, next close", "a{b{c}d}e", "{}", "b{c"},
		{"close before open ignored", "}x{y}", "{}", "y"},
		{"no open", "user:1}", "{}", "user:1}"},
		{"no close after open", "}user:{1", "{}", "}user:{1"},
		{"empty tag hashes whole key", "{}user", "{}", "{}user"},
		{"empty tag, later tag ignored", "{}a{b}", "{}", "{}a{b}"},
		{"tag at the end", "user{42}", "{}", "42"},
		{"same open and close", "a$b$c", "$$", "b"},
		{"other chars", "ab<cd>ef", "<>", "cd"},
		{"empty key", "", "{}", ""},
		{"invalid tag length", "a{b}", "{", "a{b}"},
	} {
		if got := string(ring.HashTag([]byte(c.key), c.tag)); got != c.want {
			t.Errorf("%s: unexpected HashTag(%q, %q); got %q; want %q", c.name, c.key, c.tag, got, c.want)
		}
	}
}
