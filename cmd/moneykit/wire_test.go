package main

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/halyard-labs/moneykit-go/moneykittest"
)

// The wire log hides credentials it was never told about: header values, a form's
// client_secret, the tokens of a token answer, and any of them a server repeats later.
func TestWireLoggerRedactsUnknownCredentials(t *testing.T) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen = append(seen, r.Header.Get("Authorization"), r.Header.Get("X-Client-Secret"), string(body))
		w.Header().Set("Set-Cookie", "session=cookie-value-1")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"issued-token-1","refresh_token":"refresh-token-1","echo":`+
			`"`+strings.ReplaceAll(strings.Join(seen, " "), `"`, `'`)+`"}`)
	}))
	defer srv.Close()

	var out bytes.Buffer
	c := &http.Client{Transport: &wireLogger{base: http.DefaultTransport, w: &out, red: &redactor{}}}
	send := func(req *http.Request) {
		t.Helper()
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || !strings.Contains(string(b), "issued-token-1") {
			t.Fatalf("the caller did not get the body: %q %v", b, err)
		}
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_secret": {"form+secret/1"}}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/auth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("id:basic-password-1")))
	send(req)
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/links/mk_1", nil)
	req.Header.Set("Authorization", "Bearer bearer-token-1")
	req.Header.Set("X-Client-Secret", "header-secret-1")
	send(req)

	log := out.String()
	for _, secret := range []string{
		"form+secret/1", url.QueryEscape("form+secret/1"), "basic-password-1", base64.StdEncoding.EncodeToString([]byte("id:basic-password-1")),
		"bearer-token-1", "header-secret-1", "issued-token-1", "refresh-token-1", "cookie-value-1",
	} {
		if strings.Contains(log, secret) {
			t.Errorf("the log shows %q:\n%s", secret, log)
		}
	}
	for _, want := range []string{"> Authorization: Basic [REDACTED]", "> Authorization: Bearer [REDACTED]", "> X-Client-Secret: [REDACTED]", "< Set-Cookie: [REDACTED]", "client_secret=[REDACTED]", `"access_token": "[REDACTED]"`} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
}

// x/oauth2 takes a token answer form-encoded (Content-Type
// application/x-www-form-urlencoded or text/plain) and JSON whose keys differ in case,
// and the client uses that token: -v must hide it whatever the answer's format.
func TestWireLogTokenAnswerFormats(t *testing.T) {
	const tok = "tokFORMabc123456789"
	for _, tc := range []struct{ name, contentType, body string }{
		{"form-encoded", "application/x-www-form-urlencoded", "access_token=" + tok + "&token_type=bearer&expires_in=3600"},
		{"text/plain form", "text/plain; charset=utf-8", "access_token=" + tok + "&token_type=bearer&expires_in=3600"},
		{"JSON key in another case", "application/json", `{"Access_Token":"` + tok + `","token_type":"bearer","expires_in":3600}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if r.URL.Path == "/auth/token" {
					w.Header().Set("Content-Type", tc.contentType)
					io.WriteString(w, tc.body)
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
		})
	}
}
