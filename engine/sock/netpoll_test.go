package sock

import "testing"

// The first ConfigureNetpoll of the process sets the configuration (at
// least one poller); a later one changes nothing and returns the first.
func TestConfigureNetpoll(t *testing.T) {
	first := ConfigureNetpoll(NetpollConfig{Pollers: 0, BufferSize: 8192})
	if want := (NetpollConfig{Pollers: 1, BufferSize: 8192}); first != want {
		t.Fatalf("unexpected first configuration; got %+v; want %+v", first, want)
	}
	if got := ConfigureNetpoll(NetpollConfig{Pollers: 3, BufferSize: 4096}); got != first {
		t.Fatalf("a later call changed the configuration; got %+v; want %+v", got, first)
	}
}
