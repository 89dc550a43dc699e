package moneykittest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The fake's check of its own answers flags a status the spec does not list for the
// operation (and an answer with no status at all) and answers 500 instead; an injected
// fault with such a status still goes out as injected.
func TestOwnAnswerWithUnlistedStatusIsAViolation(t *testing.T) {
	for _, tc := range []struct {
		name      string
		handler   http.HandlerFunc
		fault     *Fault
		status    int
		violation bool
	}{
		{name: "418 from the handler", handler: func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusTeapot, map[string]string{}) }, status: 500, violation: true},
		{name: "nothing written", handler: func(http.ResponseWriter, *http.Request) {}, status: 500, violation: true},
		{name: "listed status", handler: func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusNotFound, notFoundBody()) }, status: 404},
		{name: "injected 418", fault: &Fault{Kind: FaultStatus, Status: http.StatusTeapot}, status: 418},
	} {
		f, err := New()
		if err != nil {
			t.Fatal(err)
		}
		if tc.handler != nil {
			f.strict = tc.handler
		}
		if tc.fault != nil {
			f.InjectFault(*tc.fault)
		}
		req := httptest.NewRequest(http.MethodDelete, "/links/"+SeedLinkID, nil)
		req.Header.Set("Authorization", "Bearer "+f.Token())
		w := httptest.NewRecorder()
		f.ServeHTTP(w, req)
		if w.Code != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, w.Code, tc.status, strings.TrimSpace(w.Body.String()))
		}
		if got := len(f.Violations()) > 0; got != tc.violation {
			t.Errorf("%s: violations %v, want some: %v", tc.name, f.Violations(), tc.violation)
		}
	}
}
