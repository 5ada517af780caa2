package matrix

import (
	"os"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	line := "4242 (dyno mite (x)) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 25 0 0 20 0 3 0 100 1000 200 18446744073709551615\n"
	got, err := parseStat([]byte(line))
	if err != nil || got != 1750*time.Millisecond {
		t.Fatalf("unexpected CPU time; got %v, %v; want 1.75s", got, err)
	}
	for _, bad := range []string{"", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 10 a b"} {
		if _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("unexpected success parsing %q", bad)
		}
	}
}

func TestOwnProcess(t *testing.T) {
	if _, err := cpuTime(os.Getpid()); err != nil {
		t.Fatalf("cannot read own CPU time: %v", err)
	}
	if rss, err := peakRSS(os.Getpid()); err != nil || rss <= 0 {
		t.Fatalf("cannot read own peak RSS: %v, %v", rss, err)
	}
}
