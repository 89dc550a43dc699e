package wrapper_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

type traceKey struct{}

// A request editor's request carries the call's context, so an editor that reads req.Context() (tracing propagation)
// sees the caller's values.
func TestEditorSeesCallContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	var got any
	c, err := wrapper.New("tok_review_123", wrapper.WithBaseURL(srv.URL),
		wrapper.WithRequestEditor(func(_ context.Context, req *http.Request) error {
			got = req.Context().Value(traceKey{})
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), traceKey{}, "trace-1")
	if err := c.DeleteLink(ctx, "mk_1"); err != nil {
		t.Fatal(err)
	}
	if got != "trace-1" {
		t.Fatalf("editor's req.Context() value = %v, want the caller's %q", got, "trace-1")
	}
}

// An editor that attaches an httptrace.ClientTrace to the request's context (the usual
// way to trace one request) saw it used for the request it edited.
func TestEditorContextReachesTheRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	var gotConn atomic.Int32
	c, err := wrapper.New("tok_review_123", wrapper.WithBaseURL(srv.URL),
		wrapper.WithRequestEditor(func(_ context.Context, req *http.Request) error {
			trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { gotConn.Add(1) }}
			*req = *req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteLink(context.Background(), "mk_1"); err != nil {
		t.Fatal(err)
	}
	if gotConn.Load() == 0 {
		t.Fatal("the editor's ClientTrace never fired: the context it set on the request was dropped")
	}
}

// An editor that detaches the request from the call's context (context.WithoutCancel)
// cannot make the call outlive its deadline: the call's context still ends each attempt.
func TestEditorCannotDetachTheCallFromItsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		n := newPipeNet(t)
		url := n.serve(t, fakeAddr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select { // hang until the client gives up or the test ends
			case <-r.Context().Done():
			case <-release:
			}
		}))
		defer close(release)
		c, err := wrapper.New("tok_editor_detach", wrapper.WithBaseURL(url), wrapper.WithHTTPClient(n.client()), wrapper.WithMaxRetries(0),
			wrapper.WithRequestEditor(func(ctx context.Context, req *http.Request) error {
				*req = *req.WithContext(context.WithoutCancel(req.Context()))
				return nil
			}))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err = c.DeleteLink(ctx, "mk_1")
		if took := time.Since(start); took != 200*time.Millisecond || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("DeleteLink returned %v after %v; want DeadlineExceeded at 200ms", err, took)
		}
	})
}
