package admin

import (
	"context"
	"net"
	"time"
)

// resolveTimeout bounds the lookup of one peer host name.
const resolveTimeout = 2 * time.Second

// ipOf returns host when it is an IP address, else its first address
// (IPv4 preferred), looked up once and remembered: /cluster_describe
// reports each node's "name" as an IP, as C Dynomite does for seeds given
// by host name. A name that does not resolve is reported as it is.
func (s *Server) ipOf(host string) string {
	if host == "" || net.ParseIP(host) != nil {
		return host
	}
	if v, ok := s.ips.Load(host); ok {
		return v.(string)
	}
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil || len(addrs) == 0 {
		return host
	}
	ip := addrs[0]
	for _, a := range addrs {
		if p := net.ParseIP(a); p != nil && p.To4() != nil {
			ip = a
			break
		}
	}
	s.ips.Store(host, ip)
	return ip
}
