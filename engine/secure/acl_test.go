package secure_test

import (
	"bufio"
	"crypto/sha256"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/secure"
)

func testTable() *secure.Table {
	sum := sha256.Sum256([]byte("bobpw"))
	return secure.NewTable(&conf.Pool{Requirepass: "top", Users: []conf.User{
		{Name: "ro", Password: "ropw", Role: conf.RoleReadOnly},
		{Name: "bob", PasswordSHA256: sum, HasSHA256: true, Role: conf.RoleReadWrite},
		{Name: "root", Password: "rootpw", Role: conf.RoleAdmin},
	}})
}

func TestAuthenticate(t *testing.T) {
	tab := testTable()
	f := func(user, pass string, want string, role secure.Role) {
		t.Helper()
		u := tab.Authenticate([]byte(user), []byte(pass))
		switch {
		case want == "" && u != nil:
			t.Fatalf("AUTH %s %s: unexpected success as %s", user, pass, u.Name)
		case want != "" && (u == nil || u.Name != want || u.Role != role):
			t.Fatalf("AUTH %s %s: unexpected user %+v; want %s", user, pass, u, want)
		}
	}
	f("default", "top", "default", secure.Admin)
	f("ro", "ropw", "ro", secure.ReadOnly)
	f("bob", "bobpw", "bob", secure.ReadWrite)
	f("root", "rootpw", "root", secure.Admin)
	f("ro", "bobpw", "", 0)
	f("nobody", "", "", 0)
	f("nobody", "top", "", 0)
	f("default", "", "", 0)
	if secure.NewTable(&conf.Pool{}) != nil {
		t.Fatal("unexpected table without requirepass and users")
	}
	if !secure.ReadOnly.Allows(false, false) || secure.ReadOnly.Allows(true, false) ||
		!secure.ReadWrite.Allows(true, false) || secure.ReadWrite.Allows(false, true) || !secure.Admin.Allows(true, true) {
		t.Fatal("unexpected role permissions")
	}
	if got := string(secure.AppendNoPerm(nil, []byte("SET"))); got != "-NOPERM this user has no permissions to run the 'set' command\r\n" {
		t.Fatalf("unexpected NOPERM line %q", got)
	}
}

func TestLimiter(t *testing.T) {
	var l secure.Limiter
	now := int64(1e9)
	for i := 0; i < secure.FreeFailures; i++ {
		if !l.Allow(now) {
			t.Fatalf("failure %d: unexpected refusal", i)
		}
		l.Fail(now)
	}
	if !l.Allow(now) {
		t.Fatal("unexpected refusal after the free failures")
	}
	l.Fail(now)
	if l.Allow(now) || l.Allow(now+secure.BaseDelay-1) || !l.Allow(now+secure.BaseDelay) {
		t.Fatal("unexpected first delay")
	}
	l.Fail(now)
	if l.Allow(now+2*secure.BaseDelay-1) || !l.Allow(now+2*secure.BaseDelay) {
		t.Fatal("unexpected doubled delay")
	}
	// 10,000 failures in a row: the delay stays at most MaxDelay, the
	// limiter the same few words.
	for i := 0; i < 10000; i++ {
		now += 1000
		l.Fail(now)
	}
	if l.Allow(now+secure.MaxDelay-1) || !l.Allow(now+secure.MaxDelay) || l.Failures() != 10000+secure.FreeFailures+2 {
		t.Fatalf("unexpected state after 10,000 failures: %d failures", l.Failures())
	}
	l.Succeed()
	if !l.Allow(0) || l.Failures() != 0 {
		t.Fatal("unexpected state after a success")
	}
}

// The reply lines are compared with a real redis-server 7 that has the
// same users: requirepass through the default user, a read-only user
// without write permission.
func TestRepliesMatchRedis(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is required: ", err)
	}
	dir := t.TempDir()
	acl := filepath.Join(dir, "users.acl")
	write(t, acl, []byte("user default on >top ~* &* +@all\nuser ro on >ropw ~* &* +@read +@connection\n"))
	sock := filepath.Join(dir, "r.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--aclfile", acl, "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var c net.Conn
	for i := 0; i < 200; i++ {
		if c, err = net.Dial("unix", sock); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	rd := bufio.NewReader(c)
	ask := func(req string, want []byte) {
		t.Helper()
		if _, err := c.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		line, err := rd.ReadString('\n')
		if err != nil || line != string(want) {
			t.Fatalf("%q: redis answers %q (%v); ours is %q", req, line, err, want)
		}
	}
	ask("GET a\r\n", secure.ReplyNoAuth)
	ask("AUTH ro wrong\r\n", secure.ReplyWrongPass)
	ask("AUTH nobody x\r\n", secure.ReplyWrongPass)
	ask("AUTH ro ropw\r\n", []byte("+OK\r\n"))
	ask("SET k v\r\n", secure.AppendNoPerm(nil, []byte("SET")))
	ask("set k v\r\n", secure.AppendNoPerm(nil, []byte("set")))
	_ = os.Remove(sock)
}
