package wrapper_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

// Answers outside the documented ones still give an *Error with the status and a short,
// safe excerpt; a bad 2xx body is ErrMalformedResponse, never a half-filled link.
func TestOddAnswers(t *testing.T) {
	html502 := "<html><head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center></body></html>"
	for _, tc := range []struct {
		name        string
		method      string
		status      int
		ctype       string
		body        string
		code        wrapper.Code
		malformed   bool
		bodyExcerpt string
	}{
		{"unknown error_code", "PATCH", 418, "application/json", `{"error_code":"link_error.brand_new","error_message":"New."}`, "link_error.brand_new", false, ""},
		{"html 502 from a proxy", "PATCH", 502, "text/html", html502, "", false, "<html><head><title>502 Bad Gateway</title></head> <body>"},
		{"html 502 on delete", "DELETE", 502, "text/html", html502, "", false, "<html>"},
		{"empty 500", "DELETE", 500, "", "", "", false, ""},
		{"json without error_code", "PATCH", 400, "application/json", `{"detail":"nope"}`, "", false, `{"detail":"nope"}`},
		{"truncated error json", "PATCH", 404, "application/json", `{"error_code":"link_err`, "", false, `{"error_code":"link_err`},
		{"empty 200", "PATCH", 200, "application/json", "", "", true, ""},
		{"non-JSON 200", "PATCH", 200, "application/json", "<html>ok</html>", "", true, ""},
		{"200 as text/html", "PATCH", 200, "text/html", "<html>ok</html>", "", true, ""},
		{"truncated 200", "PATCH", 200, "application/json", `{"link_id":"mk_1","state":"conn`, "", true, ""},
		{"200 that is not a link", "PATCH", 200, "application/json", `{}`, "", true, ""},
		{"200 link without link_id", "PATCH", 200, "application/json", `{"state":"connected","institution_id":"chase"}`, "", true, ""},
		{"200 link with a null link_id", "PATCH", 200, "application/json", `{"link_id":null,"state":"connected"}`, "", true, ""},
		{"200 with wrong types", "PATCH", 200, "application/json", `{"link_id":42,"state":"connected"}`, "", true, ""},
		{"200 with a bad timestamp", "PATCH", 200, "application/json", `{"link_id":"mk_1","state":"connected","last_synced_at":"yesterday"}`, "", true, ""},
		{"200 with a numeric timestamp", "PATCH", 200, "application/json", `{"link_id":"mk_1","state":"connected","last_synced_at":1676538851}`, "", true, ""},
		// DELETE's 200 is {} (application/json): anything else is not the API's answer.
		{"delete 200 as text/html", "DELETE", 200, "text/html", "<html><body>Please log in to the Wi-Fi</body></html>", "", true, ""},
		{"delete 200 {} as text/plain", "DELETE", 200, "text/plain", "{}", "", true, ""},
		{"delete 200 non-JSON", "DELETE", 200, "application/json", "<html>ok</html>", "", true, ""},
		{"delete empty 200", "DELETE", 200, "application/json", "", "", true, ""},
		{"delete 200 null", "DELETE", 200, "application/json", "null", "", true, ""},
		{"delete 200 array", "DELETE", 200, "application/json", "[]", "", true, ""},
		{"delete truncated 200", "DELETE", 200, "application/json", `{"ok":`, "", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := setupWith(t, false)
			s.handle(func(w http.ResponseWriter, r *http.Request) {
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			err := call(c, tc.method)
			var e *wrapper.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *wrapper.Error", err, err)
			}
			if e.StatusCode != tc.status || e.Code != tc.code {
				t.Errorf("status, code = %d %q; want %d %q", e.StatusCode, e.Code, tc.status, tc.code)
			}
			if got := errors.Is(err, wrapper.ErrMalformedResponse); got != tc.malformed {
				t.Errorf("errors.Is(ErrMalformedResponse) = %v, want %v (%v)", got, tc.malformed, err)
			}
			if !strings.HasPrefix(e.Body, tc.bodyExcerpt) || len(e.Body) > 210 || strings.ContainsAny(e.Body, "\n\r\t") {
				t.Errorf("Body = %q, want a one-line excerpt starting %q", e.Body, tc.bodyExcerpt)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "moneykit: "+tc.method+" /links/") {
				t.Errorf("Error() = %q", msg)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		status       int
		min, max     time.Duration
	}{
		{"seconds", "30", 429, 30 * time.Second, 30 * time.Second},
		{"http-date", time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat), 429, 85 * time.Second, 91 * time.Second},
		{"date in the past", "Wed, 21 Oct 2015 07:28:00 GMT", 429, 0, 0},
		{"garbage", "soon", 429, 0, 0},
		{"negative", "-5", 429, 0, 0},
		{"absent", "", 429, 0, 0},
		{"on 503", "7", 503, 7 * time.Second, 7 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := setupWith(t, false)
			s.handle(func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				reply(tc.status, fixture(t, "responses/error-429-rate_limit_exceeded.json"))(w, r)
			})
			err := c.DeleteLink(context.Background(), linkID)
			var e *wrapper.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v", err)
			}
			if e.RetryAfter < tc.min || e.RetryAfter > tc.max {
				t.Errorf("RetryAfter = %v, want in [%v, %v]", e.RetryAfter, tc.min, tc.max)
			}
		})
	}
}

// A body over the cap fails with ErrResponseTooLarge, whether or not it declares its length.
func TestResponseTooLarge(t *testing.T) {
	big := `{"error_code":"link_error.not_found","error_message":"` + strings.Repeat("x", 4096) + `"}`
	for _, chunked := range []bool{false, true} {
		for _, status := range []int{200, 404} {
			c, s := setupWith(t, false, wrapper.WithMaxResponseBytes(1024))
			s.handle(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if chunked {
					w.WriteHeader(status)
					w.Write([]byte(big[:100]))
					w.(http.Flusher).Flush()
					w.Write([]byte(big[100:]))
					return
				}
				w.WriteHeader(status)
				w.Write([]byte(big))
			})
			for _, method := range []string{"PATCH", "DELETE"} {
				if err := call(c, method); !errors.Is(err, wrapper.ErrResponseTooLarge) {
					t.Errorf("chunked=%v status=%d %s: err = %v, want ErrResponseTooLarge", chunked, status, method, err)
				}
			}
		}
	}
}
