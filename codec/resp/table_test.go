package resp

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/dynomite-go/dynomite/codec/resp/internal/cmdgen"
)

// TestTableMatchesServer regenerates the command table from the installed
// redis-server and compares it with the committed zz_commands.go, so a
// changed server or generator shows up as a test failure.
func TestTableMatchesServer(t *testing.T) {
	bin := redisServer(t)
	stop, addr, err := cmdgen.StartServer(bin)
	if err != nil {
		t.Fatalf("cannot start redis-server: %v", err)
	}
	defer stop()
	got, err := cmdgen.Generate(addr)
	if err != nil {
		t.Fatalf("cannot generate the table: %v", err)
	}
	want, err := os.ReadFile("zz_commands.go")
	if err != nil {
		t.Fatal(err)
	}
	// Another 7.0 patch release with the same commands is not drift.
	got = bytes.ReplaceAll(got, []byte(versionOf(got)), []byte(RedisVersion))
	if !bytes.Equal(got, want) {
		t.Fatalf("zz_commands.go is out of date with %s; run go generate ./codec/resp", bin)
	}
}

// versionOf returns the RedisVersion constant of generated source.
func versionOf(src []byte) string {
	_, rest, _ := strings.Cut(string(src), "const RedisVersion = \"")
	v, _, _ := strings.Cut(rest, "\"")
	return v
}
