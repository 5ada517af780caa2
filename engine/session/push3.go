package session

// Subscriber mode for a RESP3 client, from the RESP2 frames of a
// subscribed datastore connection:
//
//	a message or a subscription's confirmation: *n ─▶ >n (nulls ─▶ _)
//	PING's reply in subscriber mode: *2 [pong, ""] ─▶ +PONG,
//	                                 *2 [pong, msg] ─▶ $len msg
//
// RESP2 gives PING and PING "" the same reply; both become +PONG.

// AppendPush3 appends frame, one complete RESP2 frame of a subscribed
// connection, as RESP3: as a push when pushed (a message or a
// confirmation), as PING's RESP3 reply when it is the RESP2 subscriber
// PONG and subscribed, else with RESP3 nulls. A malformed frame is an
// error and dst is returned unchanged.
func AppendPush3(dst, frame []byte, pushed, subscribed bool) ([]byte, error) {
	if pushed && len(frame) > 0 && frame[0] == '*' {
		start := len(dst)
		dst = append(dst, '>')
		out, err := AppendRESP3(dst, frame[1:], ShapeAsIs)
		if err != nil {
			return dst[:start], err
		}
		// AppendRESP3 copied the header line's count as it was.
		return out, nil
	}
	if subscribed {
		if n, i, ok := header(frame, 0, '*'); ok && n == 2 {
			if l, j, ok := header(frame, i, '$'); ok && l == 4 && j+6 <= len(frame) && string(frame[j:j+6]) == "pong\r\n" {
				if m, k, ok := header(frame, j+6, '$'); ok && m >= 0 && k+m+2 == len(frame) {
					if m == 0 {
						return append(dst, "+PONG\r\n"...), nil
					}
					return append(dst, frame[j+6:]...), nil
				}
			}
		}
	}
	return AppendRESP3(dst, frame, ShapeAsIs)
}
