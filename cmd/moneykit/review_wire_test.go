package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/halyard-labs/moneykit-go/moneykittest"
)

// x/oauth2 accepts a token answer form-encoded (Content-Type
// application/x-www-form-urlencoded or text/plain), and the wrapper uses that token. The -v
// wire log learns tokens only from JSON answers, so it prints this one in the clear.
func TestReviewWireLogFormEncodedTokenAnswer(t *testing.T) {
	const tok = "tokFORMabc123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/auth/token" {
			w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
			io.WriteString(w, "access_token="+tok+"&token_type=bearer&expires_in=3600")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	env := map[string]string{"MONEYKIT_BASE_URL": srv.URL, "MONEYKIT_CLIENT_ID": ccID, "MONEYKIT_CLIENT_SECRET": ccSecret}
	r := runCLI(t, env, "delete", moneykittest.SeedLinkID, "-v")
	if !strings.Contains(r.stderr, "Bearer [REDACTED]") {
		t.Fatalf("the token was not used (exit %d):\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, tok) {
		t.Errorf("-v output shows the access token %q:\n%s", tok, r.stderr)
	}
}
