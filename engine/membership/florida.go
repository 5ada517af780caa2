package membership

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// The florida provider asks a local HTTP service for the seed list
// (docs/compat.md §6.4). C sends a raw request; we send the same method,
// path and headers through net/http:
//
//	DYNOMITE_FLORIDA_IP       127.0.0.1
//	DYNOMITE_FLORIDA_PORT     8080
//	DYNOMITE_FLORIDA_REQUEST  "GET /REST/v1/admin/get_seeds HTTP/1.0\r\n
//	                           Host: 127.0.0.1\r\nUser-Agent: HTMLGET 1.0\r\n\r\n"
//
// The request variable may hold real line ends or the two-character
// escapes \r\n as written in a shell. The answer must be 200; its body is
// the list. A body longer than maxBody is an error, not a truncated list.

const (
	floridaRequest = "GET /REST/v1/admin/get_seeds HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: HTMLGET 1.0\r\n\r\n"
	maxBody        = 1 << 20
)

type florida struct {
	client  *http.Client
	method  string
	url     string
	host    string
	headers [][2]string
}

func newFlorida(o Options) (*florida, error) {
	ip := o.getenv("DYNOMITE_FLORIDA_IP", "127.0.0.1")
	port := o.getenv("DYNOMITE_FLORIDA_PORT", "8080")
	raw := o.getenv("DYNOMITE_FLORIDA_REQUEST", floridaRequest)
	raw = strings.NewReplacer(`\r`, "", `\n`, "\n", "\r", "").Replace(raw)
	lines := strings.Split(raw, "\n")
	first := strings.Fields(lines[0])
	if len(first) < 2 || !strings.HasPrefix(first[1], "/") {
		return nil, fmt.Errorf("cannot use DYNOMITE_FLORIDA_REQUEST %q: want \"METHOD /path HTTP/1.x\": %w", lines[0], ErrBadOptions)
	}
	f := &florida{client: o.HTTPClient, method: first[0], url: "http://" + net.JoinHostPort(ip, port) + first[1]}
	if f.client == nil {
		f.client = &http.Client{}
	}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if strings.EqualFold(k, "Host") {
			f.host = v
			continue
		}
		f.headers = append(f.headers, [2]string{k, v})
	}
	return f, nil
}

func (f *florida) Name() string { return FloridaName }

func (f *florida) Fetch(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, f.method, f.url, nil)
	if err != nil {
		return "", providerErr(FloridaName, err)
	}
	if f.host != "" {
		req.Host = f.host
	}
	for _, h := range f.headers {
		req.Header.Set(h[0], h[1])
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return "", providerErr(FloridaName, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return "", providerErr(FloridaName, fmt.Errorf("%s answered %s", f.url, resp.Status))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return "", providerErr(FloridaName, err)
	}
	if len(body) > maxBody {
		return "", providerErr(FloridaName, fmt.Errorf("%s answered more than %d bytes", f.url, maxBody))
	}
	return string(body), nil
}
