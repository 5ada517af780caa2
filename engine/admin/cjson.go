package admin

import "strconv"

// cjson writes JSON byte for byte the way C Dynomite's stats code does, so
// tools that match on the text (not just the parsed JSON) keep working:
//
//	string member:  "key":"value",        (no newline)
//	number member:  "key":123,\n
//	last number:    "key":123\n           (before a closing brace)
//	open:           "key": {   or  "key": [   or  {   (no key)
//	close:          drop a trailing comma (keeping the whitespace after
//	                it), then write "}," or "],"
//	footer:         the final byte (a comma) becomes "}" and "\n" follows
//
// The output is valid JSON: every comma before a closing bracket is
// removed by close, and the footer replaces the last one. Unlike C,
// strings are escaped.
type cjson struct {
	b []byte
}

func (w *cjson) key(k string) {
	w.b = appendJSONString(w.b, k)
	w.b = append(w.b, ':')
}

func (w *cjson) str(k, v string) {
	w.key(k)
	w.b = appendJSONString(w.b, v)
	w.b = append(w.b, ',')
}

func (w *cjson) num(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
	w.b = append(w.b, ",\n"...)
}

func (w *cjson) numLast(k string, v int64) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, v, 10)
	w.b = append(w.b, '\n')
}

func (w *cjson) open(k string, arr bool) {
	if k != "" {
		w.key(k)
		w.b = append(w.b, ' ')
	}
	w.b = append(w.b, bracket(arr, '[', '{'))
}

func (w *cjson) close(arr bool) {
	i := len(w.b) - 1
	for i >= 0 && isSpace(w.b[i]) {
		i--
	}
	if i >= 0 && w.b[i] == ',' {
		w.b = append(w.b[:i], w.b[i+1:]...)
	}
	w.b = append(w.b, bracket(arr, ']', '}'), ',')
}

func (w *cjson) footer() {
	if n := len(w.b); n > 0 && w.b[n-1] == ',' {
		w.b = w.b[:n-1]
	}
	w.b = append(w.b, '}', '\n')
}

func bracket(arr bool, a, o byte) byte {
	if arr {
		return a
	}
	return o
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string literal.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
