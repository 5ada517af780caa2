package session_test

import (
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/codec/resp"
	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/secure"
	"github.com/dynomite-go/dynomite/engine/session"
)

// gate runs one inline request through s and returns the reply, "" when
// the request is let through.
func gate(t *testing.T, e *session.Env, s *session.State, now int64, line string) string {
	t.Helper()
	var p resp.Parser
	var req resp.Request
	if _, err := p.Parse([]byte(line+"\r\n"), &req); err != nil {
		t.Fatalf("cannot parse %q: %v", line, err)
	}
	if reply, ok := req.Validate(nil); !ok {
		t.Fatalf("invalid request %q: %s", line, reply)
	}
	out, done := s.Gate(e, &req, session.Client{ID: 7, Now: now}, nil)
	if !done {
		if len(out) != 0 {
			t.Fatalf("%q: let through with a reply %q", line, out)
		}
		return ""
	}
	return string(out)
}

func users() *conf.Pool {
	return &conf.Pool{Requirepass: "top", Users: []conf.User{
		{Name: "ro", Password: "ropw", Role: conf.RoleReadOnly},
		{Name: "rw", Password: "rwpw", Role: conf.RoleReadWrite},
		{Name: "root", Password: "rootpw", Role: conf.RoleAdmin},
	}}
}

func TestGateNoUsers(t *testing.T) {
	e := session.NewEnv(&conf.Pool{})
	var s session.State
	cases := []struct{ req, want string }{
		{"GET k", ""},
		{"SET k v", ""},
		{"QUIT", ""},
		{"AUTH x", string(session.ReplyAuthNoPassword)},
		{"AUTH default x", "+OK\r\n"},
		{"AUTH other x", string(secure.ReplyWrongPass)},
		{"AUTH a b c", "-ERR syntax error\r\n"},
		{"SELECT 0", "+OK\r\n"},
		{"SELECT 1", string(session.ReplySelectRefused)},
		{"SELECT x", string(session.ReplyNotInteger)},
		{"CLIENT GETNAME", "$-1\r\n"},
		{"CLIENT SETNAME app-1", "+OK\r\n"},
		{"CLIENT GETNAME", "$5\r\napp-1\r\n"},
		{"CLIENT SETNAME \"a b\"", string(resp.ReplyBadClientName)},
		{"CLIENT ID", ":7\r\n"},
		{"CLIENT LIST", ""}, // not served: the node refuses it (FlagUnsupported)
		{"SHUTDOWN", "-ERR Dynomite: server administration command 'shutdown' is refused\r\n"},
		{"CONFIG SET maxmemory 1", "-ERR Dynomite: server administration command 'config|set' is refused\r\n"},
		{"CONFIG GET maxmemory", ""},
		{"HELLO 4", "-NOPROTO unsupported protocol version\r\n"},
		{"HELLO 3 SETNAME x", "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n" + resp.RedisVersion +
			"\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:7\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"},
		{"CLIENT GETNAME", "$1\r\nx\r\n"},
		{"CLIENT SETNAME \"\"", "+OK\r\n"},
		{"CLIENT GETNAME", "_\r\n"},
	}
	for _, c := range cases {
		if got := gate(t, e, &s, 1, c.req); got != c.want {
			t.Fatalf("%s: unexpected reply %q; want %q", c.req, got, c.want)
		}
	}
	if s.Proto() != 3 {
		t.Fatalf("unexpected protocol %d after HELLO 3", s.Proto())
	}
	info := gate(t, e, &s, 1, "CLIENT INFO")
	if !strings.HasPrefix(info, "=") || !strings.Contains(info, "txt:id=7 ") || !strings.Contains(info, " resp=3\n") {
		t.Fatalf("unexpected CLIENT INFO in RESP3 %q", info)
	}
}

func TestGateUsers(t *testing.T) {
	e := session.NewEnv(users())
	var s session.State
	cases := []struct{ req, want string }{
		{"GET k", string(secure.ReplyNoAuth)},
		{"CLIENT ID", string(secure.ReplyNoAuth)},
		{"SELECT 0", string(secure.ReplyNoAuth)},
		{"QUIT", ""},
		{"HELLO 3", string(resp.ReplyHelloNoAuth)},
		{"AUTH wrong", string(secure.ReplyWrongPass)},
		{"AUTH ro wrong", string(secure.ReplyWrongPass)},
		{"AUTH ro ropw", "+OK\r\n"},
		{"GET k", ""},
		{"SET k v", "-NOPERM this user has no permissions to run the 'set' command\r\n"},
		{"CONFIG GET x", "-NOPERM this user has no permissions to run the 'config|get' command\r\n"},
		{"AUTH rw rwpw", "+OK\r\n"},
		{"SET k v", ""},
		{"FLUSHALL", "-NOPERM this user has no permissions to run the 'flushall' command\r\n"},
		{"SHUTDOWN", "-NOPERM this user has no permissions to run the 'shutdown' command\r\n"},
		{"AUTH top", "+OK\r\n"}, // requirepass: the default user, an admin
		{"FLUSHALL", ""},
		{"SHUTDOWN", "-ERR Dynomite: server administration command 'shutdown' is refused\r\n"},
		{"HELLO 2 AUTH root rootpw", ""}, // checked below
	}
	for _, c := range cases[:len(cases)-1] {
		if got := gate(t, e, &s, 1, c.req); got != c.want {
			t.Fatalf("%s: unexpected reply %q; want %q", c.req, got, c.want)
		}
	}
	if got := gate(t, e, &s, 1, "HELLO 2 AUTH root rootpw"); !strings.HasPrefix(got, "*14\r\n") {
		t.Fatalf("unexpected HELLO reply %q", got)
	}
	if s.User() != "root" {
		t.Fatalf("unexpected user %q after HELLO AUTH", s.User())
	}
	if got := gate(t, e, &s, 1, "CONFIG SET maxmemory 1"); got != "" {
		t.Fatalf("an admin of users: unexpected refusal of CONFIG SET %q", got)
	}
	if got := e.AuthFailures.Load(); got != 2 {
		t.Fatalf("unexpected failure count %d; want 2", got)
	}
}

// TestGateWrongPasswords: 10,000 wrong passwords from one connection are
// all answered, the limiter refuses most of them unchecked (a right
// password is refused as well while it holds), every failure is counted,
// and the state does not grow.
func TestGateWrongPasswords(t *testing.T) {
	e := session.NewEnv(users())
	var s session.State
	now := int64(1)
	for i := 0; i < 10000; i++ {
		if got := gate(t, e, &s, now, "AUTH rw nope"); got != string(secure.ReplyWrongPass) {
			t.Fatalf("attempt %d: unexpected reply %q", i, got)
		}
		now += 1000 // 1 µs apart
	}
	if got := e.AuthFailures.Load(); got != 10000 {
		t.Fatalf("unexpected failure count %d", got)
	}
	if s.Failures() > 20 {
		t.Fatalf("the limiter checked %d passwords of 10,000 sent within 10 ms", s.Failures())
	}
	if got := gate(t, e, &s, now, "AUTH rw rwpw"); got != string(secure.ReplyWrongPass) {
		t.Fatalf("a right password while limited: unexpected reply %q", got)
	}
	now += 2 * secure.MaxDelay
	if got := gate(t, e, &s, now, "AUTH rw rwpw"); got != "+OK\r\n" {
		t.Fatalf("a right password after the wait: unexpected reply %q", got)
	}
}

// TestGateAllocs: a request let through costs no allocation, with and
// without users.
func TestGateAllocs(t *testing.T) {
	for _, p := range []*conf.Pool{{}, users()} {
		e := session.NewEnv(p)
		var s session.State
		var parser resp.Parser
		var req resp.Request
		if p.Requirepass != "" {
			if _, err := parser.Parse([]byte("*3\r\n$4\r\nAUTH\r\n$2\r\nrw\r\n$4\r\nrwpw\r\n"), &req); err != nil {
				t.Fatal(err)
			}
			if out, _ := s.Gate(e, &req, session.Client{ID: 1, Now: 1}, nil); string(out) != "+OK\r\n" {
				t.Fatalf("unexpected AUTH reply %q", out)
			}
		}
		if _, err := parser.Parse([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"), &req); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 0, 64)
		allocs := testing.AllocsPerRun(100, func() {
			if _, done := s.Gate(e, &req, session.Client{ID: 1, Now: 1}, buf[:0]); done {
				t.Fatal("SET answered by the gate")
			}
		})
		if allocs != 0 {
			t.Fatalf("unexpected allocations per request: %v", allocs)
		}
	}
}
