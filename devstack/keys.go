package devstack

import (
	"errors"
	"net"
	"net/http"
	"time"
)

// KeysPath is where ServeKeys serves the key set, the path of Entra's JWKS URI.
const KeysPath = "/discovery/v2.0/keys"

// KeyServer is a loopback HTTP server for a key set, standing in for Entra's JWKS endpoint.
type KeyServer struct {
	srv  *http.Server
	done chan error
	// URL is the key set's address, for ENTRA_JWKS_URL.
	URL string
}

// ServeKeys serves keys on a port the kernel picks (so no other program can race for it).
func ServeKeys(keys http.Handler) (*KeyServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	k := &KeyServer{
		srv:  &http.Server{Handler: keys, ReadHeaderTimeout: 5 * time.Second},
		done: make(chan error, 1),
		URL:  "http://" + ln.Addr().String() + KeysPath,
	}
	go func() { k.done <- k.srv.Serve(ln) }()
	return k, nil
}

// Close stops the server at once, open connections included.
func (k *KeyServer) Close() error {
	err := k.srv.Close()
	if serveErr := <-k.done; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	return err
}
