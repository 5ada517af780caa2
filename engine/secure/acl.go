package secure

import (
	"crypto/sha256"
	"crypto/subtle"

	"github.com/dynomite-go/dynomite/conf"
)

// Client authentication, beyond C Dynomite: Redis's AUTH with a
// requirepass password (user "default") and ACL-style users, each with a
// role. The reply lines are Redis 7's, byte for byte (acl_test.go checks
// them against a real redis-server).
//
// Per connection:
//
//	not authenticated --AUTH ok--> authenticated as User (role)
//	       |  any command but AUTH, HELLO, QUIT: ReplyNoAuth
//	       |  AUTH wrong: ReplyWrongPass, Limiter.Fail
//	authenticated: a write by a read-only user, an admin command by a
//	non-admin: AppendNoPerm(dst, command)

// The reply lines.
var (
	ReplyNoAuth    = []byte("-NOAUTH Authentication required.\r\n")
	ReplyWrongPass = []byte("-WRONGPASS invalid username-password pair or user is disabled.\r\n")
)

// AppendNoPerm appends Redis's refusal of command (its lower-case name,
// as Redis prints it) to a user lacking the permission.
func AppendNoPerm(dst, command []byte) []byte {
	dst = append(dst, "-NOPERM this user has no permissions to run the '"...)
	for _, c := range command {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return append(dst, "' command\r\n"...)
}

// Role is what a user may run.
type Role uint8

const (
	// ReadOnly may run read commands (and connection commands).
	ReadOnly Role = iota + 1
	// ReadWrite may also run write commands.
	ReadWrite
	// Admin may also run administrative commands.
	Admin
)

// Allows reports whether r may run a command with the given flags.
func (r Role) Allows(write, admin bool) bool {
	switch {
	case admin:
		return r >= Admin
	case write:
		return r >= ReadWrite
	}
	return r >= ReadOnly
}

// User is one entry of a Table.
type User struct {
	Name   string
	Role   Role
	digest [sha256.Size]byte
}

// Table is the node's users. It is immutable and safe for concurrent use.
type Table struct {
	users map[string]*User
	dummy [sha256.Size]byte // compared for unknown names, so they take as long
}

// NewTable builds the table of requirepass (user "default", admin) and
// users. It returns nil when neither is set: no authentication.
func NewTable(p *conf.Pool) *Table {
	if p.Requirepass == "" && len(p.Users) == 0 {
		return nil
	}
	t := &Table{users: map[string]*User{}}
	if p.Requirepass != "" {
		t.users[conf.DefaultUser] = &User{Name: conf.DefaultUser, Role: Admin, digest: sha256.Sum256([]byte(p.Requirepass))}
	}
	for _, u := range p.Users {
		e := &User{Name: u.Name, Role: roleOf(u.Role), digest: u.PasswordSHA256}
		if !u.HasSHA256 {
			e.digest = sha256.Sum256([]byte(u.Password))
		}
		t.users[u.Name] = e
	}
	return t
}

func roleOf(s string) Role {
	switch s {
	case conf.RoleReadOnly:
		return ReadOnly
	case conf.RoleAdmin:
		return Admin
	}
	return ReadWrite
}

// Authenticate checks AUTH user pass (AUTH pass is user "default") and
// returns the user, or nil. The comparison of SHA-256 digests is constant
// time, and an unknown name costs the same as a wrong password. It does
// not allocate.
func (t *Table) Authenticate(user, pass []byte) *User {
	sum := sha256.Sum256(pass)
	u := t.users[string(user)] // no allocation: the compiler looks up without converting
	want := &t.dummy
	if u != nil {
		want = &u.digest
	}
	if subtle.ConstantTimeCompare(sum[:], want[:]) != 1 || u == nil {
		return nil
	}
	return u
}

// Limiter slows one connection's failed AUTH attempts: the first
// FreeFailures cost nothing, then each failure doubles a wait (from
// BaseDelay, at most MaxDelay) during which every AUTH is refused without
// a check. A Limiter is a few words, the same after any number of
// failures. The zero value is ready. Not safe for concurrent use: one per
// connection.
type Limiter struct {
	failures uint32
	until    int64 // monotonic nanoseconds before which AUTH is refused
}

// Limits of a Limiter.
const (
	FreeFailures = 3
	BaseDelay    = int64(10e6) // 10 ms
	MaxDelay     = int64(1e9)  // 1 s
)

// Allow reports whether an AUTH may be checked at now (monotonic
// nanoseconds, the node's cached clock). When it returns false the node
// answers ReplyWrongPass without checking, and counts it.
func (l *Limiter) Allow(now int64) bool { return now >= l.until }

// Fail records a failed AUTH at now.
func (l *Limiter) Fail(now int64) {
	if l.failures < 1<<20 {
		l.failures++
	}
	if l.failures <= FreeFailures {
		return
	}
	d := MaxDelay
	if shift := l.failures - FreeFailures - 1; shift < 7 {
		d = min(BaseDelay<<shift, MaxDelay)
	}
	l.until = now + d
}

// Succeed resets the limiter after a good AUTH.
func (l *Limiter) Succeed() { *l = Limiter{} }

// Failures returns the failures since the last success.
func (l *Limiter) Failures() uint32 { return l.failures }

// Lookup returns the user named name, or nil; no password is checked
// (a peer's client tunnel carries a user its node authenticated).
func (t *Table) Lookup(name []byte) *User {
	return t.users[string(name)]
}
