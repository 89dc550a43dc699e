package moneykittest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/moneykittest"
)

func TestFaults(t *testing.T) {
	path := "/links/" + moneykittest.SeedLinkID
	for _, tc := range []struct {
		name      string
		fault     moneykittest.Fault
		status    int
		transport bool // the client sees a transport error
		check     func(t *testing.T, body string)
		processed bool
	}{
		{"status", moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 503, Header: http.Header{"Retry-After": {"2"}}, Body: []byte("busy")}, 503, false,
			func(t *testing.T, b string) {
				if b != "busy" {
					t.Errorf("body %q", b)
				}
			}, false},
		{"html 502", moneykittest.Fault{Kind: moneykittest.FaultHTML502}, 502, false,
			func(t *testing.T, b string) {
				if !strings.Contains(b, "<h1>502 Bad Gateway</h1>") {
					t.Errorf("body %q", b)
				}
			}, false},
		{"drop", moneykittest.Fault{Kind: moneykittest.FaultDrop}, 0, true, nil, false},
		{"drop mid body", moneykittest.Fault{Kind: moneykittest.FaultDropMidBody}, 200, true, nil, true},
		{"truncate", moneykittest.Fault{Kind: moneykittest.FaultTruncate}, 200, false,
			func(t *testing.T, b string) {
				if !strings.HasPrefix(b, `{"`) || strings.HasSuffix(strings.TrimSpace(b), "}") {
					t.Errorf("body not truncated JSON: %q", b)
				}
			}, true},
		{"non-JSON", moneykittest.Fault{Kind: moneykittest.FaultNonJSON}, 200, false,
			func(t *testing.T, b string) {
				if b != "this is not JSON\n" {
					t.Errorf("body %q", b)
				}
			}, true},
		{"delay", moneykittest.Fault{Kind: moneykittest.FaultDelay, Latency: 50 * time.Millisecond}, 200, false, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t)
			s.InjectFault(tc.fault)
			req, _ := http.NewRequest("PATCH", s.URL+path, strings.NewReader(`{"link_tags":["faulted"]}`))
			req.Header.Set("Authorization", "Bearer "+s.Token())
			req.Header.Set("Content-Type", "application/json")
			start := time.Now()
			resp, err := s.Client().Do(req)
			var body []byte
			if err == nil {
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			if tc.transport {
				if err == nil {
					t.Fatalf("no transport error; status %d body %q", resp.StatusCode, body)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != tc.status {
					t.Errorf("status = %d, want %d", resp.StatusCode, tc.status)
				}
				if tc.check != nil {
					tc.check(t, string(body))
				}
			}
			if tc.fault.Latency > 0 && time.Since(start) < tc.fault.Latency {
				t.Errorf("answered after %v, before the latency", time.Since(start))
			}
			l, _ := s.Link(moneykittest.SeedLinkID)
			processed := l.LinkTags != nil && strings.Join(*l.LinkTags, ",") == "faulted"
			if processed != tc.processed {
				t.Errorf("request processed = %v, want %v", processed, tc.processed)
			}
			// The fault is used up: the next request is answered normally.
			if status, _, _ := raw(t, s, "PATCH", path, s.Token(), `{}`); status != 200 {
				t.Errorf("next request = %d", status)
			}
		})
	}
}

func TestFaultTimesAndMethod(t *testing.T) {
	s := start(t)
	s.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 500, Times: 2, Method: "DELETE"})
	if status, _, _ := raw(t, s, "PATCH", "/links/"+moneykittest.SeedLinkID, s.Token(), `{}`); status != 200 {
		t.Errorf("PATCH took a DELETE fault: %d", status)
	}
	var got []int
	for range 3 {
		status, _, _ := raw(t, s, "DELETE", "/links/mk_4NwQa7ZrTb1XyEhK8sJdLc", s.Token(), "")
		got = append(got, status)
	}
	if got[0] != 500 || got[1] != 500 || got[2] != 200 {
		t.Errorf("statuses = %v, want 500 500 200", got)
	}
}

// Close ends a request held by a long injected delay, and leaks no goroutine (TestMain).
func TestCloseEndsDelays(t *testing.T) {
	s, err := moneykittest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	s.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultDelay, Latency: time.Hour})
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(context.Background(), "DELETE", s.URL+"/links/"+moneykittest.SeedLinkID, nil)
		req.Header.Set("Authorization", "Bearer "+s.Token())
		resp, err := s.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for len(s.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked on a delayed request")
	}
	<-done    // the client's request ended (with whatever error a closed connection gives)
	s.Close() // twice is fine
}

// A request held by a delay fault when the fake closes (moneykit serve's SIGINT/SIGTERM
// path calls Fake.Close first) must not reach the client as a success: it was never
// processed. (It used to return without writing: net/http sent an implicit "200 OK" with
// an empty body, which the wrapper's DeleteLink counted as deleted.)
func TestCloseDuringDelayIsNotASuccess(t *testing.T) {
	s, err := moneykittest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultDelay, Latency: time.Hour, Method: http.MethodDelete})

	req, _ := http.NewRequest(http.MethodDelete, s.URL+"/links/"+moneykittest.SeedLinkID, nil)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{status: resp.StatusCode, body: string(b)}
	}()
	// Wait until the request is held by the delay.
	for deadline := time.Now().Add(5 * time.Second); len(s.Requests()) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the request never arrived")
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.Fake.Close() // what moneykit serve does on SIGTERM before http.Server.Shutdown
	r := <-done
	l, _ := s.Link(moneykittest.SeedLinkID)
	if r.err == nil && r.status >= 200 && r.status < 300 {
		t.Errorf("the delayed DELETE answered %d %q although it was never processed (link state %q, want it reported as failed)", r.status, r.body, l.State)
	}
	if l.State == api.LinkStateDeleted {
		t.Errorf("link deleted")
	}
}
