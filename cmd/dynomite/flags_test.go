package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	f := func(args string, edit func(*options)) {
		t.Helper()
		want := options{verbosity: levelDefault, confFile: defaultConfFile}
		edit(&want)
		got, err := parseArgs(strings.Fields(args))
		if err != nil {
			t.Fatalf("unexpected error for %q: %v", args, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("unexpected options for %q;\ngot  %+v\nwant %+v", args, got, want)
		}
	}
	f("", func(o *options) {})
	f("-h", func(o *options) { o.help, o.version = true, true })
	f("--help", func(o *options) { o.help, o.version = true, true })
	f("-V", func(o *options) { o.version = true })
	f("--version", func(o *options) { o.version = true })
	f("-D", func(o *options) { o.describeStats, o.version = true, true })
	f("--describe-stats", func(o *options) { o.describeStats, o.version = true, true })
	f("-dt", func(o *options) { o.daemonize, o.testConf = true, true })
	f("--daemonize --test-conf", func(o *options) { o.daemonize, o.testConf = true, true })
	f("-v5", func(o *options) { o.verbosity = 5 })
	f("-v 0", func(o *options) { o.verbosity = 0 })
	f("--verbosity=11", func(o *options) { o.verbosity = 11 })
	f("--verbosity 7", func(o *options) { o.verbosity = 7 })
	f("--verb=8", func(o *options) { o.verbosity = 8 })
	f("-v 99", func(o *options) { o.verbosity = 11 })
	f("-c a.yml", func(o *options) { o.confFile = "a.yml" })
	f("-ca.yml", func(o *options) { o.confFile = "a.yml" })
	f("--conf-file=a.yml", func(o *options) { o.confFile = "a.yml" })
	f("-tc a.yml", func(o *options) { o.testConf, o.confFile = true, "a.yml" })
	f("-o log -p pid", func(o *options) { o.output, o.pidFile = "log", "pid" })
	f("--output=log --pid-file pid", func(o *options) { o.output, o.pidFile = "log", "pid" })
	f("-m 16384 -M 100000", func(o *options) { o.mbufSize, o.maxMsgs = 16384, 100000 })
	f("--mbuf-size=512 --max-msgs=1000000", func(o *options) { o.mbufSize, o.maxMsgs = 512, 1000000 })
	f("-x 1", func(o *options) { o.adminOp = 1 })
	f("--admin-operation=3", func(o *options) { o.adminOp = 3 })
	f("-c -d", func(o *options) { o.confFile = "-d" })
	f("--", func(o *options) {})
}

func TestParseArgsErrors(t *testing.T) {
	f := func(args, want string) {
		t.Helper()
		_, err := parseArgs(strings.Fields(args))
		if err == nil || err.Error() != want {
			t.Fatalf("unexpected error for %q; got %v; want %q", args, err, want)
		}
	}
	f("-g", "invalid option -- 'g'")
	f("-?", "invalid option -- '?'")
	f("-y", "invalid option -- 'y'")
	f("-s 1", "invalid option -- 's'")
	f("-i 1", "invalid option -- 'i'")
	f("-a 1", "invalid option -- 'a'")
	f("-dtg", "invalid option -- 'g'")
	f("--admin-param", "invalid option -- 'y'")
	f("--gossip", "unrecognized option '--gossip'")
	f("--d", "unrecognized option '--d'") // ambiguous: daemonize, describe-stats
	f("--help=1", "option '--help' doesn't allow an argument")
	f("-c", "option -c requires a file name")
	f("--conf-file", "option -c requires a file name")
	f("-o", "option -o requires a file name")
	f("-p", "option -p requires a file name")
	f("-v", "option -v requires a number")
	f("-v abc", "option -v requires a number")
	f("-v -1", "option -v requires a number")
	f("--verbosity=", "option -v requires a number")
	f("-m", "option -m requires a number")
	f("-m 0", "option -m requires a non-zero number")
	f("-m x", "option -m requires a non-zero number")
	f("-m 256", "mbuf chunk size must be between 512 and 512000 bytes")
	f("-m 99999999999", "mbuf chunk size must be between 512 and 512000 bytes")
	f("-m 1000", "mbuf chunk size must be a multiple of 16")
	f("-M 0", "option -M requires a non-zero number")
	f("-M 99999", "max allocated messages buffer must be between 100000 and 1000000 messages")
	f("-x 0", "option -x requires a non-zero positive number")
	f("-x", "option -x requires a number")
	f("conf.yml", "unexpected argument 'conf.yml'")
	f("-- x", "unexpected argument 'x'")
}

func TestWithoutDaemonize(t *testing.T) {
	f := func(args, want string) {
		t.Helper()
		got := strings.Join(withoutDaemonize(strings.Fields(args)), " ")
		if got != want {
			t.Fatalf("unexpected args for %q; got %q; want %q", args, got, want)
		}
	}
	f("-d -c a.yml", "-c a.yml")
	f("-dv5 -c a.yml", "-v5 -c a.yml")
	f("-vd", "-vd") // -v takes "d" as its argument
	f("-c -d", "-c -d")
	f("-cd.yml -d", "-cd.yml")
	f("--daemonize -p pid", "-p pid")
	f("--daem -o d", "-o d")
	f("-td -x 1", "-t -x 1")
	f("-p -d -d", "-p -d")
	f("--pid-file -d --output=-d", "--pid-file -d --output=-d")
}
