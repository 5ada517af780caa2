package hints

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// TestKilled: a process killed with SIGKILL loses no hint whose Flush
// returned. The child adds hints in batches, flushes and reports how many
// are acknowledged; the parent kills it mid-way and reopens the file.
func TestKilled(t *testing.T) {
	if dir := os.Getenv("HINTS_KILL_CHILD"); dir != "" {
		s, err := Open(Options{Dir: dir})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		for i := 0; i < 1_000_000; i++ {
			s.Add("peer", fmt.Appendf(nil, "key-%d", i))
			if i%100 == 99 {
				if err := s.Flush(); err != nil {
					os.Exit(1)
				}
				fmt.Println(i + 1)
			}
		}
		time.Sleep(time.Minute) // never reached in practice: the parent kills first
		os.Exit(0)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilled$")
	cmd.Env = append(os.Environ(), "HINTS_KILL_CHILD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		n, err := strconv.Atoi(sc.Text())
		if err != nil {
			t.Fatalf("unexpected child output %q", sc.Text())
		}
		acked = n
		if acked >= 5000 {
			break
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if acked < 5000 {
		t.Fatalf("unexpected child end after %d hints", acked)
	}
	s := open(t, Options{Dir: dir})
	got := s.Pending("peer", 2_000_000)
	if len(got) < acked {
		t.Fatalf("unexpected hints after SIGKILL; got %d; want at least the %d acknowledged", len(got), acked)
	}
	for i := range acked {
		if string(got[i]) != fmt.Sprintf("key-%d", i) {
			t.Fatalf("unexpected hint %d after SIGKILL; got %q", i, got[i])
		}
	}
}
