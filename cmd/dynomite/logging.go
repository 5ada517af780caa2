package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
)

// Logging: Dynomite's line format without its file:line part,
//
//	[2006-01-02 15:04:05.000] message key=value key="two words"
//
// and its 12 levels mapped onto slog levels. NOTICE (5), the default, is
// slog.LevelInfo, so Info and above is what an operator sees by default:
//
//	-v  name    slog level        -v  name    slog level
//	 0  EMERG   20 (Error+12)      6  INFO    -2
//	 1  ALERT   16 (Error+8)       7  DEBUG   -4 (LevelDebug)
//	 2  CRIT    12 (Error+4)       8  VERB    -6
//	 3  ERR      8 (LevelError)    9  VVERB   -8
//	 4  WARN     4 (LevelWarn)    10  VVVERB -10
//	 5  NOTICE   0 (LevelInfo)    11  PVERB  -12
//
// A record is written when its slog level is at or above the level of the
// current -v; SIGTTIN and SIGTTOU move -v up and down by one.

// slogLevel maps a Dynomite level (0..11) to a slog level.
func slogLevel(v int) slog.Level {
	if v <= levelDefault {
		return slog.Level(4 * (levelDefault - v))
	}
	return slog.Level(-2 * (v - levelDefault))
}

// logLevel holds the current Dynomite level and the slog.LevelVar the
// handler reads; both change together.
type logLevel struct {
	v  atomic.Int32
	lv slog.LevelVar
}

func newLogLevel(v int) *logLevel {
	l := &logLevel{}
	l.set(v)
	return l
}

// set stores v clamped to 0..11 and returns the stored value.
func (l *logLevel) set(v int) int {
	v = max(levelMin, min(v, levelMax))
	l.v.Store(int32(v))
	l.lv.Set(slogLevel(v))
	return v
}

func (l *logLevel) get() int { return int(l.v.Load()) }

// logSink is where lines go: stderr, or a file opened for append that SIGHUP
// reopens (for log rotation). Each line is one Write under the lock.
type logSink struct {
	mu   sync.Mutex
	path string // "" for stderr
	w    io.Writer
	f    *os.File
}

func openSink(path string, stderr io.Writer) (*logSink, error) {
	s := &logSink{path: path, w: stderr}
	if path == "" {
		return s, nil
	}
	return s, s.Reopen()
}

// Reopen closes and reopens the log file; with stderr it does nothing.
func (s *logSink) Reopen() error {
	if s.path == "" {
		return nil
	}
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("cannot open log file %q: %w", s.path, err)
	}
	s.mu.Lock()
	old := s.f
	s.f, s.w = f, f
	s.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// Close closes the log file, if any.
func (s *logSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f, s.w = nil, io.Discard
	return err
}

// lineHandler is a slog.Handler writing the format above.
type lineHandler struct {
	out    io.Writer
	level  slog.Leveler
	prefix string // pre-formatted attributes of WithAttrs
	group  string // "a.b." of WithGroup
	now    func() time.Time
}

func newLineHandler(out io.Writer, level slog.Leveler) *lineHandler {
	return &lineHandler{out: out, level: level, now: time.Now}
}

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	t := r.Time
	if t.IsZero() {
		t = h.now()
	}
	b := make([]byte, 0, 128)
	b = append(b, '[')
	b = t.AppendFormat(b, "2006-01-02 15:04:05.000")
	b = append(b, "] "...)
	b = append(b, r.Message...)
	b = append(b, h.prefix...)
	r.Attrs(func(a slog.Attr) bool {
		b = appendAttr(b, h.group, a)
		return true
	})
	b = append(b, '\n')
	_, err := h.out.Write(b)
	return err
}

func (h *lineHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	var b []byte
	for _, a := range attrs {
		b = appendAttr(b, h.group, a)
	}
	c.prefix += string(b)
	return &c
}

func (h *lineHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.group += name + "."
	return &c
}

// appendAttr appends " key=value", flattening groups into dotted keys.
func appendAttr(b []byte, group string, a slog.Attr) []byte {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return b
	}
	if a.Value.Kind() == slog.KindGroup {
		g := group
		if a.Key != "" {
			g += a.Key + "."
		}
		for _, ga := range a.Value.Group() {
			b = appendAttr(b, g, ga)
		}
		return b
	}
	b = append(b, ' ')
	b = append(b, group...)
	b = append(b, a.Key...)
	b = append(b, '=')
	var s string
	if a.Value.Kind() == slog.KindTime {
		s = a.Value.Time().Format("2006-01-02 15:04:05.000")
	} else {
		s = a.Value.String()
	}
	if needsQuote(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '"' || r == '=' || !unicode.IsPrint(r)
	}) >= 0
}
