package resp

// Error replies for commands the node refuses before forwarding, with the
// exact texts Redis 7.0 sends. Names and arguments quoted in a reply are cut
// to maxErrArg bytes, and CR/LF in them become spaces, as Redis does.

// maxErrArg is how much of a name Redis quotes, and the budget of the
// "with args beginning with:" list (measured against redis-server 7.0).
const maxErrArg = 128

// ErrUnknownCommand appends Redis's reply to an unknown command:
//
//	-ERR unknown command 'name', with args beginning with: 'a' 'b' \r\n
//
// The name is cut to 128 bytes. Arguments are added while the list is
// shorter than 128 bytes, the last one cut to what is left of that budget.
func ErrUnknownCommand(dst []byte, name []byte, args [][]byte) []byte {
	dst = append(dst, "-ERR unknown command '"...)
	dst = appendClean(dst, name, maxErrArg)
	dst = append(dst, "', with args beginning with: "...)
	used := 0
	for _, a := range args {
		if used >= maxErrArg {
			break
		}
		n := min(len(a), maxErrArg-used)
		dst = append(dst, '\'')
		dst = appendClean(dst, a, n)
		dst = append(dst, '\'', ' ')
		used += n + 3
	}
	return append(dst, '\r', '\n')
}

// ErrWrongArity appends Redis's reply to a wrong argument count:
//
//	-ERR wrong number of arguments for 'get' command\r\n
//
// The name is written in lower case as Redis does ("config|get" for a
// subcommand; see Command.Name).
func ErrWrongArity(dst []byte, name []byte) []byte {
	dst = append(dst, "-ERR wrong number of arguments for '"...)
	dst = lower(dst, name[:min(len(name), maxErrArg)])
	return append(dst, "' command\r\n"...)
}

// ErrUnknownSubcommand appends Redis's reply to an unknown subcommand of
// container c:
//
//	-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n
func ErrUnknownSubcommand(dst []byte, c *Command, sub []byte) []byte {
	dst = append(dst, "-ERR unknown subcommand '"...)
	dst = appendClean(dst, sub, maxErrArg)
	dst = append(dst, "'. Try "...)
	for i := 0; i < len(c.Name); i++ {
		ch := c.Name[i]
		if 'a' <= ch && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		dst = append(dst, ch)
	}
	return append(dst, " HELP.\r\n"...)
}

// Validate checks r the way Redis does before running a command. It
// returns dst and true when r may run, else dst with the error reply
// appended (unknown command, unknown subcommand or wrong arity) and false.
// It does not allocate beyond growing dst.
func (r *Request) Validate(dst []byte) ([]byte, bool) {
	c := r.Cmd
	switch {
	case len(r.Args) == 0:
		return ErrUnknownCommand(dst, nil, nil), false
	case c == nil:
		return ErrUnknownCommand(dst, r.Args[0], r.Args[1:]), false
	case len(c.Sub) > 0 && len(r.Args) > 1:
		// LookupArgs left the container: args[1] is no subcommand of it.
		return ErrUnknownSubcommand(dst, c, r.Args[1]), false
	case !c.CheckArity(len(r.Args)):
		return c.AppendArityError(dst), false
	}
	return dst, true
}

// AppendArityError appends the wrong-arity reply for c.
func (c *Command) AppendArityError(dst []byte) []byte {
	dst = append(dst, "-ERR wrong number of arguments for '"...)
	dst = append(dst, c.Name...)
	return append(dst, "' command\r\n"...)
}

// appendClean appends the first n bytes of b with CR and LF made spaces.
func appendClean(dst, b []byte, n int) []byte {
	for _, c := range b[:min(n, len(b))] {
		dst = append(dst, oneLine(c))
	}
	return dst
}
