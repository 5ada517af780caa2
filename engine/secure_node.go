package engine

import (
	"errors"
	"fmt"

	"github.com/dynomite-go/dynomite/codec/dnode"
	"github.com/dynomite-go/dynomite/conf"
	"github.com/dynomite-go/dynomite/engine/inbound"
	"github.com/dynomite-go/dynomite/engine/outbound"
	"github.com/dynomite-go/dynomite/engine/secure"
	"github.com/dynomite-go/dynomite/ring"
)

// nodeSecure is what the node holds for its secured links: the loaded TLS
// blocks (nil where a block is not set), reloaded together by ReloadCerts.
type nodeSecure struct {
	client, peer, stats, datastore *secure.Certs
	// clientSide and peerSide are what the client and peer listeners' TLS
	// connections share (their Config set when the listener is bound,
	// with client and peer).
	clientSide, peerSide inbound.TLSSide
}

// initSecure loads the TLS blocks of the configuration and sets the
// datastore links' set-up (TLS, AUTH) in n.out. Called by New after
// n.out is filled, before any link dials.
func (n *Node) initSecure() error {
	p := &n.cfg.Pool
	var err error
	load := func(dst **secure.Certs, key string, b conf.TLS) {
		if err != nil {
			return
		}
		c, e := secure.NewCerts(b)
		switch {
		case errors.Is(e, secure.ErrNotEnabled):
		case e != nil:
			err = fmt.Errorf("cannot load %s: %w", key, e)
		default:
			*dst = c
		}
	}
	for _, s := range []*inbound.TLSSide{&n.sec.clientSide, &n.sec.peerSide} {
		s.Handshake, s.Register = n.dialTimeout, n.register
	}
	n.sec.clientSide.Kind, n.sec.peerSide.Kind = &n.in.Client, &n.in.PeerIn
	load(&n.sec.client, "client_tls", p.ClientTLS)
	load(&n.sec.peer, "peer_tls", p.PeerTLS)
	load(&n.sec.stats, "stats_tls", p.StatsTLS)
	load(&n.sec.datastore, "datastore_tls", p.DatastoreTLS)
	if err != nil {
		return err
	}
	if n.sec.datastore != nil {
		n.out.DatastoreTLS = n.sec.datastore.ClientConfig
	}
	if n.sec.peer != nil {
		n.out.PeerTLS = n.sec.peer.ClientConfig
	}
	key, err := secure.LoadPeerKey(n.cfg)
	if err != nil {
		return err
	}
	n.out.PeerKey, n.out.Chunk = key, p.MbufSize
	if n.out.Chunk <= 0 {
		n.out.Chunk = 16384
	}
	n.out.Chunk = dnode.MbufChunk(n.out.Chunk) // C's mbuf data size: its encryption chunk
	if p.DatastorePassword != "" {
		if n.rt.Memcache() {
			n.log.Warn("datastore_password is ignored: memcached's text protocol has no AUTH")
		} else {
			n.out.DatastoreAuth = outbound.AppendAuth(nil, p.DatastoreUser, p.DatastorePassword)
		}
	}
	return nil
}

// securePeers marks the links to the peers of t that Dynomite's
// secure_server_option encrypts (the sending side decides per peer).
// Called when the peers' links are made, before they dial.
func (n *Node) securePeers(t *topology) {
	opt := n.cfg.Pool.SecureServerOption
	for i, p := range t.Peers {
		if p != nil {
			n.securePeer(t.Snapshot, i, p)
		}
	}
	if opt != "" && opt != "none" {
		n.log.Info("peer links encrypted as Dynomite does", "secure_server_option", opt)
	}
}

// securePeer marks the links of p, node i of snap, as
// secure_server_option says. Call it before the links dial.
func (n *Node) securePeer(snap *ring.Snapshot, i int, p *peer) {
	myDC, myRack := snap.Place(snap.Local())
	dc, rack := snap.Place(i)
	on := secure.Secures(n.cfg.Pool.SecureServerOption, dc == myDC && rack == myRack, dc == myDC)
	for _, lk := range p.Links {
		lk.Secure = on
	}
}

// ReloadCerts reads the files of every TLS block again (on SIGHUP): new
// handshakes use them, established connections keep theirs. A block that
// fails to load keeps its previous files; the errors are joined.
func (n *Node) ReloadCerts() error {
	var errs []error
	for _, b := range []struct {
		key string
		c   *secure.Certs
	}{{"client_tls", n.sec.client}, {"peer_tls", n.sec.peer}, {"stats_tls", n.sec.stats}, {"datastore_tls", n.sec.datastore}} {
		if b.c == nil {
			continue
		}
		if err := b.c.Reload(); err != nil {
			errs = append(errs, fmt.Errorf("cannot reload %s: %w", b.key, err))
		}
	}
	return errors.Join(errs...)
}
