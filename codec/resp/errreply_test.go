package resp

import (
	"strings"
	"testing"
)

// The wanted texts were recorded from redis-server 7.0.15.

func TestErrUnknownCommand(t *testing.T) {
	f := func(args []string, want string) {
		t.Helper()
		bs := argsOf(args...)
		got := string(ErrUnknownCommand(nil, bs[0], bs[1:]))
		if got != want {
			t.Fatalf("unexpected reply;\ngot  %q\nwant %q", got, want)
		}
	}
	f([]string{"foo", "a", "b"}, "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n")
	f([]string{"foo"}, "-ERR unknown command 'foo', with args beginning with: \r\n")
	f([]string{"foo", "a\r\nb", "it's"}, "-ERR unknown command 'foo', with args beginning with: 'a  b' 'it's' \r\n")
	f([]string{"\x01\x02", "\xff"}, "-ERR unknown command '\x01\x02', with args beginning with: '\xff' \r\n")
	y := strings.Repeat("y", 50)
	f(append([]string{"foo"}, y, y, y, y, y, y, y, y, y, y), "-ERR unknown command 'foo', with args beginning with: '"+y+"' '"+y+"' '"+y[:22]+"' \r\n")
	var many []string
	var want strings.Builder
	want.WriteString("-ERR unknown command 'foo', with args beginning with: ")
	for i := 0; i < 100; i++ {
		a := string([]byte{'0' + byte(i/10), '0' + byte(i%10)})
		many = append(many, a)
		if i < 26 {
			want.WriteString("'" + a + "' ")
		}
	}
	want.WriteString("\r\n")
	f(append([]string{"foo"}, many...), want.String())
	z := strings.Repeat("z", 100000)
	f([]string{z, "a"}, "-ERR unknown command '"+z[:128]+"', with args beginning with: 'a' \r\n")
	a := strings.Repeat("a", 100000)
	f([]string{"foo", a}, "-ERR unknown command 'foo', with args beginning with: '"+a[:128]+"' \r\n")
	f([]string{strings.Repeat("G", 200)}, "-ERR unknown command '"+strings.Repeat("G", 128)+"', with args beginning with: \r\n")
}

func TestErrArity(t *testing.T) {
	f := func(got []byte, want string) {
		t.Helper()
		if string(got) != want {
			t.Fatalf("unexpected reply; got %q; want %q", got, want)
		}
	}
	f(ErrWrongArity(nil, []byte("GET")), "-ERR wrong number of arguments for 'get' command\r\n")
	f(Lookup([]byte("set")).AppendArityError(nil), "-ERR wrong number of arguments for 'set' command\r\n")
	cfg := Lookup([]byte("config"))
	f(cfg.SubCommand([]byte("get")).AppendArityError(nil), "-ERR wrong number of arguments for 'config|get' command\r\n")
	f(ErrUnknownSubcommand(nil, cfg, []byte("foo")), "-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n")
	x := strings.Repeat("x", 300)
	f(ErrUnknownSubcommand(nil, cfg, []byte(x)), "-ERR unknown subcommand '"+x[:128]+"'. Try CONFIG HELP.\r\n")
}

func TestValidate(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		var p Parser
		var r Request
		if _, err := p.Parse([]byte(in), &r); err != nil {
			t.Fatalf("cannot parse %q: %v", in, err)
		}
		got, ok := r.Validate(nil)
		if ok != (want == "") || string(got) != want {
			t.Fatalf("unexpected Validate of %q; got %q, %v; want %q", in, got, ok, want)
		}
	}
	f("get k\r\n", "")
	f("GET\r\n", "-ERR wrong number of arguments for 'get' command\r\n")
	f("mget\r\n", "-ERR wrong number of arguments for 'mget' command\r\n")
	f("foo a b\r\n", "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n")
	f("config\r\n", "-ERR wrong number of arguments for 'config' command\r\n")
	f("config foo\r\n", "-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n")
	f("config get\r\n", "-ERR wrong number of arguments for 'config|get' command\r\n")
	f("config get x\r\n", "")
	f("object help x y\r\n", "-ERR wrong number of arguments for 'object|help' command\r\n")
	f("dyno_config:conn_consistency DC_ONE\r\n", "")
}

func TestProtocolErrorReply(t *testing.T) {
	got := string(errExpectedDollar['f'].Reply())
	if got != "-ERR Protocol error: expected '$', got 'f'\r\n" {
		t.Fatalf("unexpected reply %q", got)
	}
	pe := &ProtocolError{Msg: "Protocol error: x"}
	if string(pe.Reply()) != "-ERR Protocol error: x\r\n" || pe.Error() != "resp: Protocol error: x" {
		t.Fatalf("unexpected texts %q %q", pe.Reply(), pe.Error())
	}
}
