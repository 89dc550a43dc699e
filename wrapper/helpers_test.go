package wrapper_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/spec"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

const (
	testToken = "tok_test_9c1f3e7a5b2d4e6f8a0c"
	linkID    = "mk_eqkWN34UEoa2NxyALG8pcV"
	// prefix mounts the API below a path, so a client that drops the base path fails.
	prefix = "/api-prefix"
)

var (
	validatorOnce sync.Once
	validator     *spec.Validator
	validatorErr  error
)

// specValidator is built once and shared by every test: it holds the wrapper to openapi.yaml.
func specValidator(t testing.TB) *spec.Validator {
	t.Helper()
	validatorOnce.Do(func() { validator, validatorErr = spec.NewValidator(context.Background()) })
	if validatorErr != nil {
		t.Fatal(validatorErr)
	}
	return validator
}

// server is a test server on a pipeNet whose handler a test sets, and that counts requests.
type server struct {
	URL      string
	mu       sync.Mutex
	handler  http.HandlerFunc
	requests []*http.Request
	bodies   [][]byte
}

func (s *server) handle(h http.HandlerFunc) { s.mu.Lock(); s.handler = h; s.mu.Unlock() }

func (s *server) count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.requests) }

// setup starts a server and a Client on it whose every request and response is validated
// against the spec (a breach fails the test). Pass strict=false for fault tests whose
// answers break the spec on purpose.
func setup(t *testing.T, opts ...wrapper.Option) (*wrapper.Client, *server) {
	t.Helper()
	return setupWith(t, true, opts...)
}

func setupWith(t *testing.T, strict bool, opts ...wrapper.Option) (*wrapper.Client, *server) {
	t.Helper()
	s := &server{}
	mux := http.NewServeMux()
	mux.HandleFunc(prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		body := readAll(t, r)
		s.mu.Lock()
		s.requests = append(s.requests, r)
		s.bodies = append(s.bodies, body)
		h := s.handler
		s.mu.Unlock()
		if h == nil {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			http.Error(w, "no handler", http.StatusTeapot)
			return
		}
		r.URL.Path = strings.TrimPrefix(r.URL.Path, prefix)
		r.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, prefix)
		h(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base path: %s %s", r.Method, r.URL)
		http.Error(w, "outside base path", http.StatusTeapot)
	})
	n := newPipeNet(t)
	s.URL = n.serve(t, fakeAddr, mux)

	// Strict: every request and response is checked against the spec, and a breach fails
	// the test. Fault tests break the spec on purpose and talk to the server directly.
	var rt http.RoundTripper = n.tr
	if strict {
		rt = specValidator(t).WithBasePath(prefix).Transport(rt, func(err error) { t.Errorf("%v", err) })
	}
	hc := &http.Client{Transport: rt}
	// Single attempts unless a test asks for retries: most tests look at one answer.
	all := append([]wrapper.Option{wrapper.WithBaseURL(s.URL + prefix), wrapper.WithHTTPClient(hc),
		wrapper.WithMaxRetries(0), wrapper.WithRetryBackoff(time.Millisecond, 5*time.Millisecond)}, opts...)
	c, err := wrapper.New(testToken, all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func readAll(t testing.TB, r *http.Request) []byte {
	t.Helper()
	if r.Body == nil {
		return nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("reading request body: %v", err)
	}
	return b
}

// readFixture reads a file under ../testdata as a string.
func readFixture(name string) (string, error) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	return string(b), err
}

// fixture reads a file under ../testdata.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reply writes a JSON body with a status.
func reply(status int, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}
}

// concurrently calls fn(0), ..., fn(n-1) at once, and fails the test for each error.
func concurrently(t *testing.T, n int, fn func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() { errs <- fn(i) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
