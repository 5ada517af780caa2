package conf

import (
	"net"
	"strconv"
	"strings"
)

func joinHostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// splitHostPort splits "host:port" at the last colon, as Dynomite does, and
// strips the brackets of an IPv6 literal. It returns a message naming the
// problem when the value is not an address.
func splitHostPort(s string) (host string, port int, problem string) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", 0, "has no port"
	}
	host, ps := s[:i], s[i+1:]
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if host == "" {
		return "", 0, "has no host"
	}
	if strings.ContainsAny(host, " \t") {
		return "", 0, "has a blank in its host"
	}
	port, ok := parsePort(ps)
	if !ok {
		return "", 0, "has an invalid port " + strconv.Quote(ps) + " (1..65535)"
	}
	return host, port, ""
}

// parsePort accepts decimal digits in 1..65535.
func parsePort(s string) (int, bool) {
	if !isDigits(s) || len(s) > 5 {
		return 0, false
	}
	n, _ := strconv.Atoi(s)
	return n, n >= 1 && n <= 65535
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
