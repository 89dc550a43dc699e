package wrapper_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

// Answers outside the documented ones still give an *Error with the status and a short,
// safe excerpt; a bad 2xx body is ErrMalformedResponse, never a half-filled link nor a
// success that may not have happened.
func TestOddAnswers(t *testing.T) {
	html502 := "<html><head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center></body></html>"
	for _, tc := range []struct {
		name        string
		status      int
		ctype       string
		body        string
		code        wrapper.Code
		malformed   bool // ErrMalformedResponse
		linkOnly    bool // ... only for an operation that returns a link
		bodyExcerpt string
	}{
		{"unknown error_code", 418, "application/json", `{"error_code":"link_error.brand_new","error_message":"New."}`, "link_error.brand_new", false, false, ""},
		{"html 502 from a proxy", 502, "text/html", html502, "", false, false, "<html><head><title>502 Bad Gateway</title></head> <body>"},
		{"empty 500", 500, "", "", "", false, false, ""},
		{"json without error_code", 400, "application/json", `{"detail":"nope"}`, "", false, false, `{"detail":"nope"}`},
		{"truncated error json", 404, "application/json", `{"error_code":"link_err`, "", false, false, `{"error_code":"link_err`},
		// A 200 must be JSON, and a JSON object (DELETE's is {}): anything else is not the
		// API's answer.
		{"empty 200", 200, "application/json", "", "", true, false, ""},
		{"non-JSON 200", 200, "application/json", "<html>ok</html>", "", true, false, ""},
		{"200 as text/html", 200, "text/html", "<html>ok</html>", "", true, false, ""},
		{"200 captive portal page", 200, "text/html", "<html><body>Please log in to the Wi-Fi</body></html>", "", true, false, ""},
		{"200 {} as text/plain", 200, "text/plain", "{}", "", true, false, ""},
		{"200 null", 200, "application/json", "null", "", true, false, ""},
		{"200 array", 200, "application/json", "[]", "", true, false, ""},
		{"truncated 200", 200, "application/json", `{"link_id":"mk_1","state":"conn`, "", true, false, ""},
		{"truncated 200 object", 200, "application/json", `{"ok":`, "", true, false, ""},
		// JSON's whitespace is space, tab, CR and LF; a no-break space is not JSON.
		{"200 {} after a no-break space", 200, "application/json", "\u00a0{}", "", true, false, ""},
		// A JSON object that is not a link: refused by an operation that returns a link.
		{"200 that is not a link", 200, "application/json", `{}`, "", true, true, ""},
		{"200 link without link_id", 200, "application/json", `{"state":"connected","institution_id":"chase"}`, "", true, true, ""},
		{"200 link with a null link_id", 200, "application/json", `{"link_id":null,"state":"connected"}`, "", true, true, ""},
		{"200 with wrong types", 200, "application/json", `{"link_id":42,"state":"connected"}`, "", true, true, ""},
		{"200 with a bad timestamp", 200, "application/json", `{"link_id":"mk_1","state":"connected","last_synced_at":"yesterday"}`, "", true, true, ""},
		{"200 with a numeric timestamp", 200, "application/json", `{"link_id":"mk_1","state":"connected","last_synced_at":1676538851}`, "", true, true, ""},
	} {
		for _, op := range linkOps {
			t.Run(tc.name+"/"+op.method, func(t *testing.T) {
				c, s := setupWith(t, false)
				s.handle(func(w http.ResponseWriter, r *http.Request) {
					if tc.ctype != "" {
						w.Header().Set("Content-Type", tc.ctype)
					}
					w.WriteHeader(tc.status)
					w.Write([]byte(tc.body))
				})
				err := op.call(context.Background(), c, linkID)
				if tc.linkOnly && !op.link {
					if err != nil { // a JSON object is all it needs
						t.Errorf("err = %v; want success: %s returns no link", err, op.method)
					}
					return
				}
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
				if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "moneykit: "+op.method+" /links/") {
					t.Errorf("Error() = %q", msg)
				}
			})
		}
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
			for _, op := range linkOps {
				if err := op.call(context.Background(), c, linkID); !errors.Is(err, wrapper.ErrResponseTooLarge) {
					t.Errorf("chunked=%v status=%d %s: err = %v, want ErrResponseTooLarge", chunked, status, op.method, err)
				}
			}
		}
	}
}

// WithMaxResponseBytes accepts any positive n; the largest one must not make every
// answer read as empty (maxBody+1 overflows in io.LimitReader).
func TestMaxResponseBytesHuge(t *testing.T) {
	body := fixture(t, "responses/link.json")
	for _, tc := range []struct {
		name    string
		chunked bool
	}{{"content-length", false}, {"chunked", true}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if !tc.chunked {
					w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				}
				w.WriteHeader(200)
				w.Write(body)
				if tc.chunked {
					w.(http.Flusher).Flush()
				}
			}))
			defer srv.Close()
			c, err := wrapper.New("tok_review_123", wrapper.WithBaseURL(srv.URL), wrapper.WithMaxResponseBytes(math.MaxInt64))
			if err != nil {
				t.Fatal(err)
			}
			link, err := c.UpdateLink(context.Background(), "mk_1", wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("a")})
			if err != nil {
				t.Fatalf("UpdateLink with WithMaxResponseBytes(math.MaxInt64): %v", err)
			}
			if link.LinkID == "" {
				t.Fatal("no link id")
			}
		})
	}
}
