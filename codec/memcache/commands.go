package memcache

// One parse function per group of commands, each checking the tokens the way
// memcached 1.6 does: a wrong token count is ERROR, a bad number or a long key
// is CLIENT_ERROR, and noreply is noted before any error so the caller can
// suppress the error reply as memcached does. As in memcached, noreply is the
// last token whatever its position: "incr a noreply" is a silent bad delta.

// parseStorage: set, add, replace, append, prepend, cas:
//
//	<cmd> <key> <flags> <exptime> <bytes> [noreply]\r\n<data>\r\n
//	cas <key> <flags> <exptime> <bytes> <cas unique> [noreply]\r\n<data>\r\n
func parseStorage(p *Parser, buf []byte, end int, r *Request) (int, error) {
	t := r.Tokens
	want := 5
	if r.Cmd == CmdCas {
		want = 6
	}
	if len(t) != want && len(t) != want+1 {
		return end, ErrUnknownCommand
	}
	r.NoReply = isNoReply(t[len(t)-1])
	r.Keys = t[1:2]
	lim := p.limits()
	flags, ok1 := parseUint(t[2])
	exptime, ok2 := parseInt(t[3])
	n, ok3 := parseUint(t[4])
	ok4 := true
	if r.Cmd == CmdCas {
		r.Cas, ok4 = parseUint(t[5])
	}
	if len(t[1]) > lim.MaxKeyLen || !ok1 || !ok2 || !ok3 || !ok4 || n > maxValueLen {
		return end, ErrBadFormat
	}
	r.Flags, r.Exptime, r.Bytes = flags, exptime, int(n)
	return p.data(buf, end, r, &lim)
}

// data waits for the data block of r.Bytes bytes after the line ending at end.
func (p *Parser) data(buf []byte, end int, r *Request, lim *Limits) (int, error) {
	if r.Bytes > lim.MaxValue {
		r.Skip = r.Bytes + 2
		return end, ErrTooLarge
	}
	total := end + r.Bytes + 2
	if len(buf) < total {
		p.need = total
		return 0, ErrIncomplete
	}
	if buf[total-2] != '\r' || buf[total-1] != '\n' {
		return total, ErrBadDataChunk
	}
	r.Value = buf[end : total-2]
	return total, nil
}

// parseRetrieval: get <key>*, gets <key>*.
func parseRetrieval(p *Parser, buf []byte, end int, r *Request) (int, error) {
	if len(r.Tokens) < 2 {
		return end, ErrUnknownCommand
	}
	return end, p.keys(r, 1)
}

// parseTouchRetrieval: gat <exptime> <key>*, gats <exptime> <key>*. memcached
// answers a gat with no key with END.
func parseTouchRetrieval(p *Parser, buf []byte, end int, r *Request) (int, error) {
	t := r.Tokens
	if len(t) < 2 {
		return end, ErrUnknownCommand
	}
	var ok bool
	if r.Exptime, ok = parseInt(t[1]); !ok {
		return end, ErrBadExptime
	}
	return end, p.keys(r, 2)
}

// keys sets r.Keys to the tokens from first on and checks them.
func (p *Parser) keys(r *Request, first int) error {
	lim := p.limits()
	r.Keys = r.Tokens[first:]
	if len(r.Keys) > lim.MaxKeys {
		return ErrTooManyKeys
	}
	for _, k := range r.Keys {
		if len(k) > lim.MaxKeyLen {
			return ErrBadFormat
		}
	}
	return nil
}

// parseArith: incr|decr <key> <value> [noreply].
func parseArith(p *Parser, buf []byte, end int, r *Request) (int, error) {
	t := r.Tokens
	if len(t) != 3 && len(t) != 4 {
		return end, ErrUnknownCommand
	}
	r.NoReply = isNoReply(t[len(t)-1])
	r.Keys = t[1:2]
	if len(t[1]) > p.limits().MaxKeyLen {
		return end, ErrBadFormat
	}
	var ok bool
	if r.Delta, ok = parseUint(t[2]); !ok {
		return end, ErrBadDelta
	}
	return end, nil
}

// parseDelete: delete <key> [0] [noreply]; a time other than 0 is refused.
func parseDelete(p *Parser, buf []byte, end int, r *Request) (int, error) {
	t := r.Tokens
	if len(t) < 2 || len(t) > 4 {
		return end, ErrUnknownCommand
	}
	r.NoReply = len(t) > 2 && isNoReply(t[len(t)-1])
	r.Keys = t[1:2]
	if len(t[1]) > p.limits().MaxKeyLen {
		return end, ErrBadFormat
	}
	if len(t) > 2 {
		zero := string(t[2]) == "0"
		if !(len(t) == 3 && (zero || r.NoReply) || len(t) == 4 && zero && r.NoReply) {
			return end, ErrDeleteUsage
		}
	}
	return end, nil
}

// parseTouch: touch <key> <exptime> [noreply].
func parseTouch(p *Parser, buf []byte, end int, r *Request) (int, error) {
	t := r.Tokens
	if len(t) != 3 && len(t) != 4 {
		return end, ErrUnknownCommand
	}
	r.NoReply = isNoReply(t[len(t)-1])
	r.Keys = t[1:2]
	if len(t[1]) > p.limits().MaxKeyLen {
		return end, ErrBadFormat
	}
	var ok bool
	if r.Exptime, ok = parseInt(t[2]); !ok {
		return end, ErrBadExptime
	}
	return end, nil
}

// parseVersion: version, quit and mn take any tokens and ignore them.
func parseVersion(p *Parser, buf []byte, end int, r *Request) (int, error) {
	return end, nil
}

// parseVerbosity: verbosity <level> [noreply]; one extra token is ignored.
func parseVerbosity(p *Parser, buf []byte, end int, r *Request) (int, error) {
	t := r.Tokens
	if len(t) != 2 && len(t) != 3 {
		return end, ErrUnknownCommand
	}
	r.NoReply = isNoReply(t[len(t)-1])
	if _, ok := parseUint(t[1]); !ok {
		return end, ErrBadFormat
	}
	return end, nil
}

// parseMeta: mg, md, ma, me <key> <flag>*. The flags are left to the server;
// only q (quiet), b (base64 key) and their count are looked at.
func parseMeta(p *Parser, buf []byte, end int, r *Request) (int, error) {
	t := r.Tokens
	if len(t) < 2 {
		if r.Cmd == CmdMetaDebug {
			return end, ErrBadFormat
		}
		return end, ErrUnknownCommand
	}
	return end, p.meta(r, 2)
}

// parseMetaSet: ms <key> <datalen> <flag>*\r\n<data>\r\n.
func parseMetaSet(p *Parser, buf []byte, end int, r *Request) (int, error) {
	t := r.Tokens
	if len(t) < 2 {
		return end, ErrUnknownCommand
	}
	if len(t) < 3 {
		r.Keys = t[1:2]
		return end, ErrBadFormat
	}
	if err := p.meta(r, 3); err != nil {
		return end, err
	}
	n, ok := parseUint(t[2])
	if !ok || n > maxValueLen {
		return end, ErrBadFormat
	}
	r.Bytes = int(n)
	lim := p.limits()
	return p.data(buf, end, r, &lim)
}

// meta checks the key and the flags (from token first on) of a meta command.
func (p *Parser) meta(r *Request, first int) error {
	t := r.Tokens
	r.Keys = t[1:2]
	for _, f := range t[min(first, len(t)):] {
		switch f[0] {
		case 'q':
			r.Quiet = true
		case 'b':
			r.Base64 = true
		}
	}
	// memcached limits the key as sent, base64 or not.
	if len(t[1]) > p.limits().MaxKeyLen {
		return ErrBadFormat
	}
	if len(t) > maxMetaTokens && r.Cmd != CmdMetaDebug {
		if r.Cmd == CmdMetaGet {
			return ErrMetaTooLong
		}
		return ErrMetaFlagsTooLong
	}
	return nil
}
