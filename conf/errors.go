package conf

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Sentinel classes of configuration errors. Every *Error wraps exactly one of
// them, so callers test with errors.Is(err, conf.ErrUnknownKey) and never match
// on the text.
var (
	ErrSyntax        = errors.New("conf: invalid YAML")
	ErrStructure     = errors.New("conf: unsupported YAML structure")
	ErrUnknownKey    = errors.New("conf: directive is unknown")
	ErrDuplicateKey  = errors.New("conf: directive is a duplicate")
	ErrMissingKey    = errors.New("conf: directive is missing")
	ErrEmptyValue    = errors.New("conf: directive has an empty value")
	ErrNotNumber     = errors.New("conf: directive is not a number")
	ErrNotBool       = errors.New(`conf: directive is not "true" or "false"`)
	ErrOutOfRange    = errors.New("conf: directive is out of range")
	ErrInvalidValue  = errors.New("conf: directive has an invalid value")
	ErrBadAddress    = errors.New("conf: directive has an invalid address")
	ErrUnresolvable  = errors.New("conf: host cannot be resolved")
	ErrNoDatastore   = errors.New("conf: pool has no datastore")
	ErrManyDatastore = errors.New("conf: pool has more than one datastore")
	ErrManyPools     = errors.New("conf: file has more than one pool")
	ErrKeyFile       = errors.New("conf: key or certificate file is unusable")
)

// Error is one problem in a configuration file. Its text reads
// "<file>:<line>: <message>", where the message names the key.
type Error struct {
	File string // file name as given to Load or Parse
	Line int    // 1-based line; 0 when the problem is not tied to a line
	Key  string // the directive concerned, "" for file-level problems
	Msg  string // one sentence naming the key, without file and line
	Err  error  // the sentinel class (ErrUnknownKey, ...)
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Unwrap returns the sentinel class.
func (e *Error) Unwrap() error { return e.Err }

// ErrorList holds every problem found in one file, in line order. Load and
// Parse return it (as error) whenever the file is invalid; errors.Is works
// through it on each element.
type ErrorList []*Error

func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Unwrap returns the elements, for errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// sort orders the list by line, keeping the order of discovery on ties.
func (l ErrorList) sort() {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Line < l[j].Line })
}

// Warning is a key that was accepted but has no effect (or a default that was
// applied where Dynomite logs a complaint). Its text reads like an Error's.
type Warning struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Msg)
	}
	return fmt.Sprintf("%s: %s", w.File, w.Msg)
}

// AfterParse reports whether every problem in err is one that C Dynomite
// finds in its validation pass, after the file has been parsed: a missing
// "listen", an invalid read/write consistency, mbuf_size or max_msgs out of
// range. Dynomite's -t prints its "syntax is invalid" line twice for those
// (once from the loader, once from -t) and once for anything else.
func AfterParse(err error) bool {
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		return false
	}
	for _, e := range list {
		switch {
		case e.Key == "listen" && errors.Is(e, ErrMissingKey):
		case (e.Key == "read_consistency" || e.Key == "write_consistency") && errors.Is(e, ErrInvalidValue):
		case (e.Key == "mbuf_size" || e.Key == "max_msgs") && errors.Is(e, ErrOutOfRange):
		default:
			return false
		}
	}
	return true
}
