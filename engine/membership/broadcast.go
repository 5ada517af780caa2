package membership

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/dynomite-go/dynomite/ring/seeds"
)

// The broadcast address is the host this node announces in gossip and
// shows in /cluster_describe (docs/compat.md §11.6). C reads it from the
// environment once, falling back to the dyn_listen host:
//
//	env: aws       EC2_PUBLIC_HOSTNAME, else the listen host
//	env: other     PUBLIC_HOSTNAME, else the listen host
//
// C's test of `env` is broken (it compares a pointer, so it always takes
// the EC2_ name). Here `env` acts as documented, and a non-aws node still
// takes EC2_PUBLIC_HOSTNAME when PUBLIC_HOSTNAME is unset, so a C setup
// that relied on the bug keeps its address. Two additions, both only
// where C would announce something useless or nothing better: with
// Metadata set, an aws node without the variable asks the EC2 instance
// metadata service (IMDSv2, falling back to v1) for its public hostname,
// then its public IPv4; and a listen host of 0.0.0.0 or :: is replaced by
// the first non-loopback address of the machine's interfaces.

// DefaultMetadataURL is the EC2 instance metadata service.
const DefaultMetadataURL = "http://169.254.169.254"

// BroadcastOptions configure BroadcastAddress.
type BroadcastOptions struct {
	// Env is the pool's `env` ("aws" is C's default).
	Env string
	// Listen is dyn_listen, host:port.
	Listen string
	// Getenv reads EC2_PUBLIC_HOSTNAME and PUBLIC_HOSTNAME; nil means none
	// is set.
	Getenv func(string) string
	// Metadata, when not nil, is the client that asks the EC2 metadata
	// service at MetadataURL ("" is DefaultMetadataURL) in aws mode.
	Metadata    *http.Client
	MetadataURL string
	// Timeout bounds the metadata queries together; 0 is 2 s.
	Timeout time.Duration
	// InterfaceAddrs lists the machine's addresses; nil is
	// net.InterfaceAddrs.
	InterfaceAddrs func() ([]net.Addr, error)
}

// BroadcastAddress returns the host this node announces, by the rules
// above. It returns an error only when no rule gives a usable host; a
// failed metadata query falls through to the next rule.
func BroadcastAddress(ctx context.Context, o BroadcastOptions) (string, error) {
	getenv := func(k string) string {
		if o.Getenv == nil {
			return ""
		}
		return strings.TrimSpace(o.Getenv(k))
	}
	aws := o.Env == "" || o.Env == "aws"
	names := []string{"EC2_PUBLIC_HOSTNAME"}
	if !aws {
		names = []string{"PUBLIC_HOSTNAME", "EC2_PUBLIC_HOSTNAME"}
	}
	for _, k := range names {
		if v := getenv(k); v != "" && seeds.CheckHost(v) == nil {
			return v, nil
		}
	}
	if aws && o.Metadata != nil {
		if h, err := metadataHost(ctx, o); err == nil {
			return h, nil
		}
	}
	host, _, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return "", fmt.Errorf("cannot take the broadcast address from dyn_listen %q: %w", o.Listen, err)
	}
	if a, err := netip.ParseAddr(host); host != "" && (err != nil || !a.IsUnspecified()) {
		return host, nil
	}
	list := o.InterfaceAddrs
	if list == nil {
		list = net.InterfaceAddrs
	}
	addrs, err := list()
	if err != nil {
		return "", fmt.Errorf("cannot list interface addresses for the broadcast address: %w", err)
	}
	if h := firstUsable(addrs); h != "" {
		return h, nil
	}
	return "", fmt.Errorf("cannot find a broadcast address: dyn_listen %q is unspecified and no interface has a non-loopback address", o.Listen)
}

// firstUsable returns the first global IPv4 address, else the first
// global IPv6 one, else "".
func firstUsable(addrs []net.Addr) string {
	var v6 string
	for _, a := range addrs {
		var ip net.IP
		switch x := a.(type) {
		case *net.IPNet:
			ip = x.IP
		case *net.IPAddr:
			ip = x.IP
		default:
			continue
		}
		if ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast() {
			continue
		}
		if ip.To4() != nil {
			return ip.String()
		}
		if v6 == "" {
			v6 = ip.String()
		}
	}
	return v6
}

// metadataHost asks the metadata service for the public hostname, then
// the public IPv4, within Timeout.
func metadataHost(ctx context.Context, o BroadcastOptions) (string, error) {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	base := strings.TrimSuffix(o.MetadataURL, "/")
	if base == "" {
		base = DefaultMetadataURL
	}
	token, _ := metadataGet(ctx, o.Metadata, http.MethodPut, base+"/latest/api/token", "")
	var last error
	for _, p := range []string{"public-hostname", "public-ipv4"} {
		h, err := metadataGet(ctx, o.Metadata, http.MethodGet, base+"/latest/meta-data/"+p, token)
		if err == nil {
			if err = seeds.CheckHost(h); err == nil {
				return h, nil
			}
		}
		last = err
	}
	return "", fmt.Errorf("cannot read the broadcast address from the metadata service: %w", last)
}

// metadataGet does one request and returns the trimmed body, at most
// 256 bytes read. A PUT asks for an IMDSv2 session token; a GET sends it
// when token is not "".
func metadataGet(ctx context.Context, c *http.Client, method, url, token string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return "", err
	}
	if method == http.MethodPut {
		req.Header.Set("X-aws-ec2-metadata-token-ttl-seconds", "60")
	} else if token != "" {
		req.Header.Set("X-aws-ec2-metadata-token", token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("cannot get %s: status %s", url, resp.Status)
	}
	return strings.TrimSpace(string(body)), nil
}
