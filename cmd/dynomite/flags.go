package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dynomite-go/dynomite/conf"
)

// Command line, as Dynomite's getopt_long table has it (docs/compat.md §2). Go's flag
// package cannot read "-v5", "--verbosity=5" or grouped "-dt", so this file
// holds a small getopt: short options may be grouped and take their argument
// glued or as the next word; long options take it after "=" or as the next
// word and may be shortened to any unique prefix; "--" ends the options.
//
// Messages and the usage text are Dynomite's. Two differences: an unknown long
// option reads "unrecognized option '--x'" (Dynomite prints a NUL character
// there), and a word that is not an option is an error (Dynomite ignores it,
// which hides a forgotten -c).

const defaultConfFile = "conf/dynomite.yml"

// Log levels of -v (docs/compat.md §2): 0 EMERG .. 5 NOTICE .. 11 PVERB.
const (
	levelMin     = 0
	levelDefault = 5
	levelMax     = 11
)

// options is the parsed command line.
type options struct {
	help, version, testConf, daemonize, describeStats bool

	verbosity int    // -v, 0..11
	output    string // -o, "" = stderr
	confFile  string // -c
	pidFile   string // -p, "" = none
	mbufSize  int    // -m, 0 = not given
	maxMsgs   int    // -M, 0 = not given
	adminOp   int    // -x, 0 = not given
}

type argKind int

const (
	noArg argKind = iota
	fileArg
	numArg
	rejected // declared by Dynomite but unhandled: always "invalid option"
)

type optSpec struct {
	short byte
	long  string
	arg   argKind
}

var optTable = []optSpec{
	{'h', "help", noArg},
	{'V', "version", noArg},
	{'t', "test-conf", noArg},
	{'d', "daemonize", noArg},
	{'D', "describe-stats", noArg},
	{'v', "verbosity", numArg},
	{'o', "output", fileArg},
	{'c', "conf-file", fileArg},
	{'p', "pid-file", fileArg},
	{'m', "mbuf-size", numArg},
	{'M', "max-msgs", numArg},
	{'x', "admin-operation", numArg},
	{'y', "admin-param", rejected},
}

// usageError is a command-line error: its text is printed after "dynomite: ",
// followed by the usage, and the exit code is 1.
type usageError string

func (e usageError) Error() string { return string(e) }

func shortSpec(c byte) (optSpec, bool) {
	for _, s := range optTable {
		if s.short == c {
			return s, true
		}
	}
	return optSpec{}, false
}

// longSpec finds a long option by exact name or unique prefix.
func longSpec(name string) (optSpec, bool) {
	var found []optSpec
	for _, s := range optTable {
		if s.long == name {
			return s, true
		}
		if name != "" && strings.HasPrefix(s.long, name) {
			found = append(found, s)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return optSpec{}, false
}

// parseArgs reads the command line (without the program name). It stops at
// the first error, as Dynomite does.
func parseArgs(args []string) (options, error) {
	o := options{verbosity: levelDefault, confFile: defaultConfFile}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			if i+1 < len(args) {
				return o, usageError(fmt.Sprintf("unexpected argument '%s'", args[i+1]))
			}
			return o, nil
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			s, ok := longSpec(name)
			if !ok {
				return o, usageError(fmt.Sprintf("unrecognized option '--%s'", name))
			}
			if s.arg == noArg && hasVal {
				return o, usageError(fmt.Sprintf("option '--%s' doesn't allow an argument", s.long))
			}
			if (s.arg == fileArg || s.arg == numArg) && !hasVal {
				if i+1 < len(args) {
					i++
					val, hasVal = args[i], true
				}
			}
			if err := o.set(s, val, hasVal); err != nil {
				return o, err
			}
		case len(a) > 1 && a[0] == '-':
			n, err := o.group(a[1:], args[i+1:])
			if err != nil {
				return o, err
			}
			i += n
		default:
			return o, usageError(fmt.Sprintf("unexpected argument '%s'", a))
		}
	}
	return o, nil
}

// group reads the short options of one word ("dt", "v5", "c" + next word).
// It returns how many following words it consumed.
func (o *options) group(g string, rest []string) (int, error) {
	for j := 0; j < len(g); j++ {
		s, ok := shortSpec(g[j])
		if !ok || s.arg == rejected {
			return 0, usageError(fmt.Sprintf("invalid option -- '%c'", g[j]))
		}
		if s.arg == noArg {
			if err := o.set(s, "", false); err != nil {
				return 0, err
			}
			continue
		}
		if j+1 < len(g) {
			return 0, o.set(s, g[j+1:], true)
		}
		if len(rest) == 0 {
			return 0, o.set(s, "", false)
		}
		return 1, o.set(s, rest[0], true)
	}
	return 0, nil
}

// set applies one option and checks its argument with Dynomite's messages.
func (o *options) set(s optSpec, val string, hasVal bool) error {
	if s.arg == rejected {
		return usageError(fmt.Sprintf("invalid option -- '%c'", s.short))
	}
	if !hasVal && s.arg != noArg {
		if s.arg == fileArg {
			return usageError(fmt.Sprintf("option -%c requires a file name", s.short))
		}
		return usageError(fmt.Sprintf("option -%c requires a number", s.short))
	}
	n := atoi(val)
	switch s.short {
	case 'h':
		o.help, o.version = true, true
	case 'V':
		o.version = true
	case 't':
		o.testConf = true
	case 'd':
		o.daemonize = true
	case 'D':
		o.describeStats, o.version = true, true
	case 'o':
		o.output = val
	case 'c':
		o.confFile = val
	case 'p':
		o.pidFile = val
	case 'v':
		if n < 0 {
			return usageError("option -v requires a number")
		}
		o.verbosity = min(n, levelMax)
	case 'm':
		return o.setMbufSize(n)
	case 'M':
		return o.setMaxMsgs(n)
	case 'x':
		if n <= 0 {
			return usageError("option -x requires a non-zero positive number")
		}
		o.adminOp = n
	}
	return nil
}

func (o *options) setMbufSize(n int) error {
	switch {
	case n <= 0:
		return usageError("option -m requires a non-zero number")
	case n < conf.MbufMinSize || n > conf.MbufMaxSize:
		return usageError(fmt.Sprintf("mbuf chunk size must be between %d and %d bytes", conf.MbufMinSize, conf.MbufMaxSize))
	case n%16 != 0:
		return usageError("mbuf chunk size must be a multiple of 16")
	}
	o.mbufSize = n
	return nil
}

func (o *options) setMaxMsgs(n int) error {
	switch {
	case n <= 0:
		return usageError("option -M requires a non-zero number")
	case n < conf.MaxMsgsMin || n > conf.MaxMsgsMax:
		return usageError(fmt.Sprintf("max allocated messages buffer must be between %d and %d messages", conf.MaxMsgsMin, conf.MaxMsgsMax))
	}
	o.maxMsgs = n
	return nil
}

// atoi is Dynomite's: decimal digits only, -1 for anything else. Numbers
// past 32 bits come back as math.MaxInt32 so range checks reject them.
func atoi(s string) int {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return -1
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return math.MaxInt32
	}
	return int(n)
}

// withoutDaemonize returns args with every -d / --daemonize removed and the
// rest unchanged, for the re-executed daemon.
func withoutDaemonize(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(out, args[i:]...)
		case strings.HasPrefix(a, "--"):
			name, _, hasVal := strings.Cut(a[2:], "=")
			s, ok := longSpec(name)
			if ok && s.short == 'd' {
				continue
			}
			out = append(out, a)
			if ok && (s.arg == fileArg || s.arg == numArg) && !hasVal && i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
		case len(a) > 1 && a[0] == '-':
			g, takesNext := stripGroup(a[1:])
			if g != "" {
				out = append(out, "-"+g)
			}
			if takesNext && i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
		default:
			out = append(out, a)
		}
	}
	return out
}

// stripGroup removes 'd' from a group of short options up to the first one
// that takes an argument, and reports whether that option takes the next word.
func stripGroup(g string) (string, bool) {
	var b strings.Builder
	for j := 0; j < len(g); j++ {
		s, ok := shortSpec(g[j])
		if ok && s.short == 'd' {
			continue
		}
		b.WriteByte(g[j])
		if ok && (s.arg == fileArg || s.arg == numArg) {
			b.WriteString(g[j+1:])
			return b.String(), j+1 == len(g)
		}
	}
	return b.String(), false
}

// usage is Dynomite's -h text.
const usage = `Usage: dynomite [-?hVdDt] [-v verbosity level] [-o output file]
                  [-c conf file] [-p pid file] [-m mbuf size (deprecated)]
                  [-M max alloc messages (deprecated)]

Options:
  -h, --help             : this help
  -V, --version          : show version and exit
  -t, --test-conf        : test configuration for syntax errors and exit
  -d, --daemonize        : run as a daemon
  -D, --describe-stats   : print stats description and exit
  -v, --verbosity=N            : set logging level (default: 5, min: 0, max: 11)
  -o, --output=S               : set logging file (default: stderr)
  -c, --conf-file=S            : set configuration file (default: ` + defaultConfFile + `)
  -p, --pid-file=S             : set pid file (default: off)
  -m, --mbuf-size=N            : set size of mbuf chunk in bytes (default: 0 bytes)
`
