package bench

import "testing"

func TestCycle(t *testing.T) {
	f := func(r Ratio, n int, want string) {
		t.Helper()
		c := cycle{r: r}
		got := make([]byte, n)
		for i := range got {
			got[i] = "SG"[c.next()]
		}
		if string(got) != want {
			t.Errorf("unexpected sequence for %s; got %s; want %s", r, got, want)
		}
	}
	f(Ratio{1, 10}, 23, "SGGGGGGGGGGSGGGGGGGGGGS")
	f(Ratio{1, 1}, 6, "SGSGSG")
	f(Ratio{2, 1}, 6, "SSGSSG")
	f(Ratio{0, 1}, 4, "GGGG")
	f(Ratio{1, 0}, 4, "SSSS")
}

func TestCycleShare(t *testing.T) {
	// Over whole periods the share of sets is exactly Set/(Set+Get).
	for _, r := range []Ratio{{1, 10}, {1, 1}, {3, 7}, {5, 0}} {
		c := cycle{r: r}
		sets := 0
		period := r.Set + r.Get
		for range 100 * period {
			if c.next() == opSet {
				sets++
			}
		}
		if sets != 100*r.Set {
			t.Errorf("unexpected set count for %s; got %d; want %d", r, sets, 100*r.Set)
		}
	}
}
