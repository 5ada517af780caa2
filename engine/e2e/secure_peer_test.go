package e2e

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/engine/enginetest"
)

// Dynomite's peer encryption on the sending side (issue 13.1), checked on
// the wire: a node whose one peer (another rack of its DC) is a test
// listener that records every frame, decrypts secured ones with the pem
// key, and answers each request +OK the way the frame came (encrypted
// with the connection's key, or plain).

// wirePeer is the recording peer.
type wirePeer struct {
	ln  net.Listener
	key *dnode.RSAKey

	mu      sync.Mutex
	frames  []dnode.Header
	plain   [][]byte // each request's payload, decrypted
	raw     []byte   // every byte received
	errs    []error
	clients sync.WaitGroup
}

func startWirePeer(t *testing.T, key *dnode.RSAKey) *wirePeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &wirePeer{ln: ln, key: key}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			w.clients.Add(1)
			go w.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done; w.clients.Wait() })
	return w
}

func (w *wirePeer) fail(err error) {
	w.mu.Lock()
	w.errs = append(w.errs, err)
	w.mu.Unlock()
}

// serve reads frames until the node closes the connection (or 30 s).
func (w *wirePeer) serve(c net.Conn) {
	defer w.clients.Done()
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	var p dnode.Parser
	var ciph *dnode.Cipher
	var buf []byte
	tmp := make([]byte, 64<<10)
	for {
		n, err := c.Read(tmp)
		if n > 0 {
			buf = append(buf, tmp[:n]...)
			w.mu.Lock()
			w.raw = append(w.raw, tmp[:n]...)
			w.mu.Unlock()
		}
		for {
			var h dnode.Header
			skipped, hn, perr := p.Parse(buf, &h)
			if perr != nil {
				if !errors.Is(perr, dnode.ErrIncomplete) {
					w.fail(perr)
					return
				}
				break
			}
			body := buf[skipped+hn:]
			if len(body) < int(h.PayloadLen) {
				break
			}
			payload := body[:h.PayloadLen]
			h.Data = append([]byte(nil), h.Data...)
			var reply []byte
			if h.Encrypted() {
				if ciph == nil {
					if ciph, err = w.cipherOf(&h); err != nil {
						w.fail(err)
						return
					}
				}
				pt, err := ciph.DecryptAppend(nil, payload, dnode.MbufChunk(16384))
				if err != nil {
					w.fail(err)
					return
				}
				payload = pt
				ok := []byte("+OK\r\n")
				reply = dnode.AppendHeader(nil, dnode.Secured(h.MsgID, dnode.TypeRes, h.SameDC, nil, uint32(dnode.CipherLen(len(ok), dnode.MbufChunk(16384)))))
				reply, _ = ciph.EncryptAppend(reply, ok, dnode.MbufChunk(16384))
			} else {
				reply = dnode.AppendHeader(nil, dnode.Plain(h.MsgID, dnode.TypeRes, h.SameDC, 5))
				reply = append(reply, "+OK\r\n"...)
			}
			w.mu.Lock()
			w.frames = append(w.frames, h)
			w.plain = append(w.plain, append([]byte(nil), payload...))
			w.mu.Unlock()
			if h.Type.IsRequest() {
				if _, err := c.Write(reply); err != nil {
					return
				}
			}
			buf = buf[skipped+hn+int(h.PayloadLen):]
		}
		if err != nil {
			return
		}
	}
}

// cipherOf unwraps the session key of a connection's first secured frame.
func (w *wirePeer) cipherOf(h *dnode.Header) (*dnode.Cipher, error) {
	if !h.CarriesKey() {
		return nil, errors.New("first encrypted frame carries no key")
	}
	k, err := w.key.Unwrap(h.Data)
	if err != nil {
		return nil, err
	}
	return dnode.NewCipher(k)
}

func TestPeerEncryptionOnTheWire(t *testing.T) {
	pem, err := filepath.Abs(filepath.Join("testdata", "dynomite.pem"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(pem)
	if err != nil {
		t.Fatal(err)
	}
	key, err := dnode.ParseRSAKey(data)
	if err != nil {
		t.Fatal(err)
	}
	// The peer is in another rack of the node's DC.
	for _, tc := range []struct {
		option    string
		encrypted bool
	}{
		{"none", false},
		{"datacenter", false},
		{"rack", true},
		{"all", true},
	} {
		t.Run(tc.option, func(t *testing.T) {
			peer := startWirePeer(t, key)
			redis := enginetest.Redis(t)
			cfg, err := enginetest.SingleNode(redis)
			if err != nil {
				t.Fatal(err)
			}
			cfg.DynSeeds = []string{peer.ln.Addr().String() + ":rack2:dc1:0"}
			cfg.Extra = map[string]string{
				"secure_server_option": tc.option,
				"pem_key_file":         pem,
				"write_consistency":    "DC_QUORUM",
				"mbuf_size":            "16384",
			}
			node := enginetest.Node(t, cfg)
			c := enginetest.DialTB(t, node.Addr)
			big := bytes.Repeat([]byte("v"), 20000) // more than one mbuf_size chunk
			// DC_QUORUM over two racks: +OK needs the peer's reply, so
			// the node decrypted it on a secured link.
			for i, v := range [][]byte{[]byte("secret-value"), big} {
				var r *enginetest.Reply
				deadline := time.Now().Add(10 * time.Second)
				for {
					r, err = c.Do("SET", "wire:k"+string(rune('0'+i)), string(v))
					if err == nil && string(r.Raw) == "+OK\r\n" || time.Now().After(deadline) {
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				replyIs(t, "SET through the node", r, err, "+OK\r\n")
			}
			peer.mu.Lock()
			defer peer.mu.Unlock()
			if len(peer.errs) > 0 {
				t.Fatalf("unexpected errors at the peer: %v", peer.errs)
			}
			reqs := 0
			for i, h := range peer.frames {
				if !h.Type.IsRequest() {
					continue
				}
				reqs++
				if h.Encrypted() != tc.encrypted {
					t.Fatalf("unexpected frame %d; got encrypted %v; want %v", i, h.Encrypted(), tc.encrypted)
				}
				if !bytes.Contains(peer.plain[i], []byte("wire:k")) {
					t.Fatalf("unexpected payload %d; got %q", i, trunc(peer.plain[i]))
				}
			}
			if reqs < 2 {
				t.Fatalf("unexpected request count at the peer; got %d; want at least 2", reqs)
			}
			leaked := bytes.Contains(peer.raw, []byte("secret-value")) || bytes.Contains(peer.raw, []byte("wire:k"))
			if leaked == tc.encrypted {
				t.Fatalf("unexpected plaintext on the wire; got leaked %v with encryption %v", leaked, tc.encrypted)
			}
			if tc.encrypted {
				first := peer.frames[0]
				if !first.CarriesKey() || len(first.Data) != key.Size() {
					t.Fatalf("unexpected first frame; want the %d-byte key blob; got %d bytes", key.Size(), len(first.Data))
				}
			}
		})
	}
}
