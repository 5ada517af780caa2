//go:build !race

package secure_test

import "testing"

// Checking a password allocates nothing.
func TestAuthenticateAllocs(t *testing.T) {
	tab := testTable()
	user, pass := []byte("bob"), []byte("bobpw")
	n := testing.AllocsPerRun(100, func() {
		if tab.Authenticate(user, pass) == nil {
			t.Fatal("unexpected failure")
		}
		_ = tab.Authenticate([]byte("nobody"), pass)
	})
	if n != 0 {
		t.Fatalf("unexpected allocations; got %v; want 0", n)
	}
}
