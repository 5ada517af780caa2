package membership

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/dynomite-go/dynomite/ring/seeds"
)

// The DNS provider (docs/compat.md §6.4) looks up DYNOMITE_DNS_NAME (default
// _dynomite.ec2-internal):
//
//   - by default its TXT records, each holding a pipe-joined seed list;
//     as in C, the last record of the answer wins;
//   - with DYNOMITE_DNS_TYPE=A its A and AAAA records, one node per
//     address. An address carries no place on the ring, so each becomes
//     its own rack, named by the address (':' of IPv6 written '_'), in this node's datacenter, with
//     this node's tokens and dyn_listen port: every node then holds a full
//     copy, the usual layout of a small Kubernetes StatefulSet behind a
//     headless Service. C reads A records as if they were text (a bug).

const dnsDefaultName = "_dynomite.ec2-internal"

type dnsProvider struct {
	res    *net.Resolver
	name   string
	aMode  bool
	dc     string
	port   int
	tokens []uint32
}

func newDNS(o Options) (*dnsProvider, error) {
	d := &dnsProvider{
		res:    o.Resolver,
		name:   o.getenv("DYNOMITE_DNS_NAME", dnsDefaultName),
		aMode:  o.getenv("DYNOMITE_DNS_TYPE", "TXT") == "A",
		dc:     o.DC,
		port:   o.Port,
		tokens: slices.Clone(o.Tokens),
	}
	if d.res == nil {
		d.res = net.DefaultResolver
	}
	if d.aMode && (d.port < 1 || d.port > 65535 || len(d.tokens) == 0 || seeds.CheckName(d.dc) != nil) {
		return nil, fmt.Errorf("cannot use DNS A records without this node's datacenter, port and tokens: %w", ErrBadOptions)
	}
	return d, nil
}

func (d *dnsProvider) Name() string { return DNSName }

func (d *dnsProvider) Fetch(ctx context.Context) (string, error) {
	if d.aMode {
		return d.fetchA(ctx)
	}
	txt, err := d.res.LookupTXT(ctx, d.name)
	if err != nil {
		return "", providerErr(DNSName, err)
	}
	if len(txt) == 0 {
		return "", providerErr(DNSName, fmt.Errorf("no TXT record for %s", d.name))
	}
	return txt[len(txt)-1], nil
}

func (d *dnsProvider) fetchA(ctx context.Context) (string, error) {
	addrs, err := d.res.LookupNetIP(ctx, "ip", d.name)
	if err != nil {
		return "", providerErr(DNSName, err)
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	addrs = slices.Compact(addrs)
	var b []byte
	for i, a := range addrs {
		if i > 0 {
			b = append(b, '|')
		}
		host := a.WithZone("").String()
		rack := strings.ReplaceAll(host, ":", "_") // a rack name holds no ':'
		b = seeds.AppendRecord(b, seeds.Seed{Host: host, Port: d.port, Rack: rack, DC: d.dc, Tokens: d.tokens})
	}
	return string(b), nil
}
