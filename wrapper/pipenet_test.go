package wrapper_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// pipeNet is an in-memory network: servers listen on made-up loopback addresses, and a
// connection is a net.Pipe. Made inside a synctest bubble, a goroutine waiting on a pipe
// is durably blocked (one waiting on a real socket is not), so the bubble's clock moves on
// while client and server wait for each other: a Retry-After pause, a rate limit or a
// timeout costs no real time, and time.Since measures it exactly.
type pipeNet struct {
	mu        sync.Mutex
	listeners map[string]*pipeListener // by host:port
	tr        *http.Transport
}

// newPipeNet makes a network; the test's cleanup closes the connections of its client
// (see client) and, through serve, its servers.
func newPipeNet(t testing.TB) *pipeNet {
	n := &pipeNet{listeners: map[string]*pipeListener{}}
	n.tr = &http.Transport{DialContext: n.dial}
	t.Cleanup(n.tr.CloseIdleConnections)
	return n
}

// serve serves h at addr (host:port) and returns its base URL, http://addr.
func (n *pipeNet) serve(t testing.TB, addr string, h http.Handler) string {
	l := &pipeListener{addr: addr, conns: make(chan net.Conn), closed: make(chan struct{})}
	n.mu.Lock()
	n.listeners[addr] = l
	n.mu.Unlock()
	hs := &http.Server{Handler: h}
	served := make(chan struct{})
	go func() { defer close(served); hs.Serve(l) }()
	t.Cleanup(func() {
		hs.Close() // the listener and every connection: handlers still waiting see them end
		<-served
	})
	return "http://" + addr
}

// client returns a client whose connections go to n's servers (and nowhere else).
func (n *pipeNet) client() *http.Client { return &http.Client{Transport: n.tr} }

func (n *pipeNet) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	n.mu.Lock()
	l := n.listeners[addr]
	n.mu.Unlock()
	refused := &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
	if l == nil {
		return nil, refused
	}
	c, s := net.Pipe()
	select {
	case l.conns <- s:
		return c, nil
	case <-l.closed:
	case <-ctx.Done():
		refused.Err = ctx.Err()
	}
	c.Close()
	s.Close()
	return nil, refused
}

// pipeListener hands out the server ends of the pipes dialled to it.
type pipeListener struct {
	addr   string
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error { l.once.Do(func() { close(l.closed) }); return nil }

func (l *pipeListener) Addr() net.Addr { return pipeAddr(l.addr) }

type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

// fakeAddr is where pipeFake serves the fake.
const fakeAddr = "127.0.0.1:1"

// pipeFake is the fake API on a pipeNet, for tests in a synctest bubble: its clock, its
// rate limits and its injected delays run on the bubble's time.
type pipeFake struct {
	*moneykittest.Fake
	URL  string       // the fake's base URL
	net  *pipeNet     // serves more hosts, for a redirect's target
	HTTP *http.Client // reaches the fake (and net's other hosts)
}

// newPipeFake serves a fake whose every answer that breaks the spec fails the test; the
// test's cleanup shuts it down.
func newPipeFake(t testing.TB, opts ...moneykittest.Option) *pipeFake {
	t.Helper()
	f, err := moneykittest.New(append([]moneykittest.Option{moneykittest.WithViolationHandler(func(err error) { t.Errorf("fake: %v", err) })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	n := newPipeNet(t)
	url := n.serve(t, fakeAddr, f)
	t.Cleanup(f.Close) // ends injected delays first (cleanups run last in, first out)
	return &pipeFake{Fake: f, URL: url, net: n, HTTP: n.client()}
}

// client makes a token client on the fake, with short backoffs.
func (f *pipeFake) client(t testing.TB, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	c, err := wrapper.New(f.Token(), append([]wrapper.Option{wrapper.WithBaseURL(f.URL), wrapper.WithHTTPClient(f.HTTP),
		wrapper.WithRetryBackoff(time.Millisecond, 10*time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
