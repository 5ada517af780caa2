package membership_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/engine/membership"
)

// imds stands in for the EC2 metadata service: v2 when token is not "",
// otherwise v1 only; paths maps a meta-data path to its body (a missing one
// is 404); hang makes every request wait until the client gives up.
func imds(t *testing.T, token string, paths map[string]string, hang bool) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hang {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		if r.URL.Path == "/latest/api/token" {
			if token == "" || r.Method != http.MethodPut || r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds") == "" {
				http.Error(w, "no", http.StatusMethodNotAllowed)
				return
			}
			w.Write([]byte(token))
			return
		}
		if token != "" && r.Header.Get("X-aws-ec2-metadata-token") != token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, ok := paths[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body + "\n"))
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv
}

func TestBroadcastAddress(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	ifaces := func(cidrs ...string) func() ([]net.Addr, error) {
		return func() ([]net.Addr, error) {
			var out []net.Addr
			for _, c := range cidrs {
				ip, n, err := net.ParseCIDR(c)
				if err != nil {
					t.Fatal(err)
				}
				n.IP = ip
				out = append(out, n)
			}
			return out, nil
		}
	}
	hostPaths := map[string]string{"/latest/meta-data/public-hostname": "ec2-1-2-3-4.compute.example", "/latest/meta-data/public-ipv4": "1.2.3.4"}
	ipPaths := map[string]string{"/latest/meta-data/public-ipv4": "1.2.3.4"}
	garbagePaths := map[string]string{"/latest/meta-data/public-hostname": "<html>oops</html>"}
	cases := []struct {
		name    string
		o       membership.BroadcastOptions
		srv     *httptest.Server
		want    string
		wantErr bool
	}{
		{"aws: EC2_PUBLIC_HOSTNAME", membership.BroadcastOptions{Env: "aws", Listen: "10.0.0.1:8101", Getenv: env("EC2_PUBLIC_HOSTNAME", "ec2.example", "PUBLIC_HOSTNAME", "plain.example")}, nil, "ec2.example", false},
		{"aws: no variable, no metadata: the listen host", membership.BroadcastOptions{Env: "aws", Listen: "10.0.0.1:8101", Getenv: env("PUBLIC_HOSTNAME", "plain.example")}, nil, "10.0.0.1", false},
		{"network: PUBLIC_HOSTNAME", membership.BroadcastOptions{Env: "network", Listen: "10.0.0.1:8101", Getenv: env("EC2_PUBLIC_HOSTNAME", "ec2.example", "PUBLIC_HOSTNAME", "plain.example")}, nil, "plain.example", false},
		{"network: EC2_PUBLIC_HOSTNAME as C reads it", membership.BroadcastOptions{Env: "network", Listen: "10.0.0.1:8101", Getenv: env("EC2_PUBLIC_HOSTNAME", "ec2.example")}, nil, "ec2.example", false},
		{"network: the listen host", membership.BroadcastOptions{Env: "network", Listen: "node1.example:8101"}, nil, "node1.example", false},
		{"a bad variable is passed over", membership.BroadcastOptions{Env: "aws", Listen: "10.0.0.1:8101", Getenv: env("EC2_PUBLIC_HOSTNAME", "not a host!")}, nil, "10.0.0.1", false},
		{"aws: metadata v2 hostname", membership.BroadcastOptions{Env: "aws", Listen: "10.0.0.1:8101"}, imds(t, "tok", hostPaths, false), "ec2-1-2-3-4.compute.example", false},
		{"aws: metadata v1 only", membership.BroadcastOptions{Env: "aws", Listen: "10.0.0.1:8101"}, imds(t, "", hostPaths, false), "ec2-1-2-3-4.compute.example", false},
		{"aws: no public hostname, the public IPv4", membership.BroadcastOptions{Env: "aws", Listen: "10.0.0.1:8101"}, imds(t, "tok", ipPaths, false), "1.2.3.4", false},
		{"aws: metadata garbage falls through", membership.BroadcastOptions{Env: "aws", Listen: "10.0.0.1:8101"}, imds(t, "tok", garbagePaths, false), "10.0.0.1", false},
		{"aws: metadata that hangs times out", membership.BroadcastOptions{Env: "aws", Listen: "10.0.0.1:8101", Timeout: 200 * time.Millisecond}, imds(t, "tok", nil, true), "10.0.0.1", false},
		{"network: metadata is not asked", membership.BroadcastOptions{Env: "network", Listen: "10.0.0.1:8101"}, imds(t, "tok", hostPaths, false), "10.0.0.1", false},
		{"unspecified listen host: first interface address", membership.BroadcastOptions{Env: "network", Listen: "0.0.0.0:8101", InterfaceAddrs: ifaces("127.0.0.1/8", "fe80::1/64", "2001:db8::5/64", "10.0.0.5/24")}, nil, "10.0.0.5", false},
		{"unspecified listen host: IPv6 when no IPv4", membership.BroadcastOptions{Env: "network", Listen: "[::]:8101", InterfaceAddrs: ifaces("127.0.0.1/8", "2001:db8::5/64")}, nil, "2001:db8::5", false},
		{"unspecified listen host, only loopback", membership.BroadcastOptions{Env: "network", Listen: ":8101", InterfaceAddrs: ifaces("127.0.0.1/8")}, nil, "", true},
		{"bad dyn_listen", membership.BroadcastOptions{Env: "network", Listen: "nope"}, nil, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.srv != nil {
				tc.o.Metadata = tc.srv.Client()
				tc.o.MetadataURL = tc.srv.URL
			}
			start := time.Now()
			got, err := membership.BroadcastAddress(context.Background(), tc.o)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("unexpected result %q, %v; want %q (error %v)", got, err, tc.want, tc.wantErr)
			}
			if tc.o.Timeout > 0 {
				if el := time.Since(start); el > tc.o.Timeout+2*time.Second {
					t.Errorf("unexpected wait of %s; want about %s", el, tc.o.Timeout)
				}
			}
		})
	}
}
