package wrapper_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

// secretForms lists what a server might repeat of a secret: raw (so "Bearer <token>"
// too), URL-, path- and form-encoded (upper- and lower-case hex), JSON- and HTML-escaped,
// and, for a client secret, the base64 of id:secret as in HTTP Basic.
func secretForms(id, secret string) []string {
	js, _ := json.Marshal(secret)
	inJSON := string(js[1 : len(js)-1])
	q, p := url.QueryEscape(secret), url.PathEscape(secret)
	quotedJSON := strconv.Quote(inJSON) // a JSON string's raw text quoted by an error (time.Parse)
	forms := []string{secret, q, p, strings.ToLower(q), strings.ToLower(p), inJSON, strings.ReplaceAll(inJSON, "/", `\/`),
		quotedJSON[1 : len(quotedJSON)-1], html.EscapeString(secret)}
	if id != "" {
		for _, pair := range []string{id + ":" + secret, url.QueryEscape(id) + ":" + q} {
			forms = append(forms, base64.StdEncoding.EncodeToString([]byte(pair)), base64.RawURLEncoding.EncodeToString([]byte(pair)))
		}
	}
	return forms
}

// noSecret fails the test if err shows a secret in any form: in its text, its %v, %+v and
// %#v, or, for an *Error, any field.
func noSecret(t *testing.T, err error, forms []string) {
	t.Helper()
	texts := map[string]string{"Error()": err.Error()}
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		texts[verb] = fmt.Sprintf(verb, err)
	}
	var e *wrapper.Error
	if errors.As(err, &e) {
		texts["%#v of *Error"] = fmt.Sprintf("%#v", *e)
		texts["Code"], texts["Message"], texts["Body"] = string(e.Code), e.Message, e.Body
		texts["DocumentationURL"], texts["LinkErrorCode"] = e.DocumentationURL, e.LinkErrorCode
		texts["ValidationErrors"] = fmt.Sprintf("%#v %v", e.ValidationErrors, e.ValidationErrors)
		if e.Err != nil {
			texts["Err"] = e.Err.Error()
		}
	}
	var te *wrapper.TokenError
	if errors.As(err, &te) {
		texts["%#v of *TokenError"] = fmt.Sprintf("%#v", *te)
		texts["TokenError fields"] = strings.Join([]string{string(te.Code), te.Message, te.DocumentationURL, te.Body}, " ")
	}
	for where, text := range texts {
		for _, f := range forms {
			if strings.Contains(text, f) {
				t.Errorf("%s shows the secret as %q: %s", where, f, text)
			}
		}
	}
	if !strings.Contains(err.Error(), "[REDACTED]") {
		t.Errorf("nothing was redacted; did the server echo anything? %v", err)
	}
}

// Everything a server sends back that reaches an error is redacted: an echo of the token,
// the client secret or the client headers in any encoding, through any route.
func TestServerEchoesAreRedacted(t *testing.T) {
	jsonReply := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	basic := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(ccID + ":" + s)) }
	// Each echo gets the secret the request carried (the token, or the client secret).
	echoes := []struct {
		name string
		echo func(w http.ResponseWriter, r *http.Request, s string)
	}{
		{"error_message, raw", func(w http.ResponseWriter, _ *http.Request, s string) {
			jsonReply(w, 401, map[string]string{"error_code": "api_error.auth.unauthorized", "error_message": "bad credentials: Bearer " + s})
		}},
		{"error_message, URL-encoded", func(w http.ResponseWriter, _ *http.Request, s string) {
			jsonReply(w, 401, map[string]string{"error_code": "api_error.auth.unauthorized",
				"error_message": "token=" + url.QueryEscape(s) + " path=" + url.PathEscape(s) + " lower=" + strings.ToLower(url.QueryEscape(s))})
		}},
		{"error_message, Basic", func(w http.ResponseWriter, _ *http.Request, _ string) {
			// The client id and secret as HTTP Basic credentials (a proxy that has them).
			jsonReply(w, 401, map[string]string{"error_code": "api_error.auth.unauthorized", "error_message": "Authorization: Basic " + basic(ccSecret)})
		}},
		{"validation_errors", func(w http.ResponseWriter, _ *http.Request, s string) {
			jsonReply(w, 422, map[string]any{"error_code": "api_error.request.validation_failed", "error_message": "Request validation failed.",
				"validation_errors": []map[string]any{{"location": []any{"header", s, 0}, "message": "unexpected value " + s, "type": "value_error." + url.QueryEscape(s)}}})
		}},
		{"validation_errors, location objects and lists", func(w http.ResponseWriter, _ *http.Request, s string) {
			// A location element may be any JSON value; each is printed, so each is redacted.
			jsonReply(w, 422, map[string]any{"error_code": "api_error.request.validation_failed", "error_message": "bad",
				"validation_errors": []map[string]any{{"location": []any{"body", map[string]any{"auth": "Bearer " + s}, []any{s}, true, nil}, "message": "x", "type": "y"}}})
		}},
		{"documentation_url, link_error_code, unknown error_code", func(w http.ResponseWriter, _ *http.Request, s string) {
			jsonReply(w, 422, map[string]any{"error_code": "api_error." + s, "error_message": "x",
				"documentation_url": "https://docs.example/?t=" + url.QueryEscape(s), "link_error_code": s})
		}},
		{"redirect Location path", func(w http.ResponseWriter, _ *http.Request, s string) {
			w.Header().Set("Location", "https://elsewhere.example/"+s+"/"+url.PathEscape(s)+"?t="+s)
			w.WriteHeader(http.StatusFound)
		}},
		{"HTML body", func(w http.ResponseWriter, _ *http.Request, s string) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "<html><body>upstream refused <b>%s</b> (%s)</body></html>", s, html.EscapeString(s))
		}},
		{"JSON body that is not a MoneyKit error", func(w http.ResponseWriter, _ *http.Request, s string) {
			js, _ := json.Marshal(s)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, `{"echo":%s,"slashes":"%s"}`, js, strings.ReplaceAll(string(js[1:len(js)-1]), "/", `\/`))
		}},
		{"Content-Type of a 200", func(w http.ResponseWriter, _ *http.Request, s string) {
			w.Header().Set("Content-Type", "text/"+s)
			w.WriteHeader(http.StatusOK)
		}},
		{"timestamp of a 200 link", func(w http.ResponseWriter, _ *http.Request, s string) {
			jsonReply(w, 200, map[string]any{"link_id": linkID, "state": "connected", "institution_id": "x", "institution_name": "x", "last_synced_at": s})
		}},
		{"malformed header line", func(w http.ResponseWriter, _ *http.Request, s string) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			defer conn.Close()
			fmt.Fprintf(buf, "HTTP/1.1 500 Internal Server Error\r\nX-Echo %s\r\nContent-Length: 0\r\n\r\n", s)
			buf.Flush()
		}},
	}
	for _, mode := range []string{"token", "client credentials", "client headers"} {
		for _, ec := range echoes {
			if mode == "token" && strings.Contains(ec.name, "Basic") {
				continue // a client with a token alone does not know the client secret
			}
			t.Run(mode+"/"+ec.name, func(t *testing.T) {
				s := newTokenAPI(t, grant)
				s.mu.Lock()
				s.linkHandler = func(w http.ResponseWriter, r *http.Request) {
					secret := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
					if mode == "client headers" {
						secret = r.Header.Get("X-Client-Secret")
					}
					ec.echo(w, r, secret)
				}
				s.mu.Unlock()
				opts := []wrapper.Option{wrapper.WithBaseURL(s.URL), wrapper.WithHTTPClient(&http.Client{Transport: s.tr}), wrapper.WithMaxRetries(0)}
				var c *wrapper.Client
				var err error
				forms := secretForms(ccID, ccSecret)
				switch mode {
				case "token":
					c, err = wrapper.New(issued, opts...)
					forms = secretForms("", issued)
				case "client credentials":
					c, err = wrapper.NewClientCredentials(ccID, ccSecret, opts...)
					forms = append(forms, secretForms("", issued)...)
				case "client headers":
					c, err = wrapper.NewWithClientHeaders(ccID, ccSecret, opts...)
				}
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.UpdateLink(context.Background(), linkID, wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("a")})
				if err == nil {
					t.Fatal("no error")
				}
				noSecret(t, err, forms)
			})
		}
	}
}

// The token endpoint's error answers are redacted too: the secret echoed raw, URL- or
// form-encoded, in Basic credentials, in JSON or in a form body.
func TestTokenEndpointEchoesAreRedacted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		token http.HandlerFunc
	}{
		{"error_description, URL-encoded", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": "client_secret=" + url.QueryEscape(ccSecret) + " is wrong", "error_uri": "https://x.example/" + ccSecret})
		}},
		{"the form body repeated", func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body) // the form as sent: client_secret form-encoded
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "<pre>bad request: %s</pre>", body)
		}},
		{"form answer", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, url.Values{"error": {"invalid_client"}, "error_description": {"got " + ccSecret}}.Encode())
		}},
		{"a MoneyKit error body", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error_code": "api_error.auth.unauthorized", "error_message": "secret " + ccSecret + " is wrong",
				"documentation_url": "https://x.example/?s=" + url.QueryEscape(ccSecret)})
		}},
		{"raw and Basic in a 500", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "secret %s basic %s", ccSecret, base64.StdEncoding.EncodeToString([]byte(ccID+":"+ccSecret)))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTokenAPI(t, tc.token)
			c := s.client(t, wrapper.WithMaxRetries(0))
			err := c.DeleteLink(context.Background(), linkID)
			if !errors.Is(err, wrapper.ErrTokenSource) {
				t.Fatalf("err = %v", err)
			}
			noSecret(t, err, secretForms(ccID, ccSecret))
		})
	}
}

// A 429 or 401 from something that is not MoneyKit (no MoneyKit error body) matches
// ErrRateLimited or ErrUnauthorized by its status; a MoneyKit error_code still decides
// when there is one.
func TestStatusWithoutMoneyKitBody(t *testing.T) {
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
		is, isNot   []error
	}{
		{"proxy 429", 429, "text/html", "<html>Too Many Requests</html>", []error{wrapper.ErrRateLimited}, []error{wrapper.ErrUnauthorized}},
		{"empty 429", 429, "", "", []error{wrapper.ErrRateLimited}, nil},
		{"gateway 401", 401, "text/plain", "Unauthorized", []error{wrapper.ErrUnauthorized}, []error{wrapper.ErrAccessTokenExpired, wrapper.ErrUnauthorizedLinkAccess, wrapper.ErrRateLimited}},
		{"401 JSON without error_code", 401, "application/json", `{"message":"Unauthorized"}`, []error{wrapper.ErrUnauthorized}, nil},
		{"MoneyKit 401 link access", 401, "application/json", `{"error_code":"link_error.unauthorized_access","error_message":"x"}`, []error{wrapper.ErrUnauthorizedLinkAccess}, []error{wrapper.ErrUnauthorized}},
		{"503 without body", 503, "", "", nil, []error{wrapper.ErrRateLimited, wrapper.ErrUnauthorized}},
		{"403 without body", 403, "", "", nil, []error{wrapper.ErrForbiddenAction, wrapper.ErrUnauthorized}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := setupWith(t, false)
			s.handle(func(w http.ResponseWriter, _ *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			err := c.DeleteLink(context.Background(), linkID)
			var e *wrapper.Error
			if !errors.As(err, &e) || e.StatusCode != tc.status {
				t.Fatalf("err = %v", err)
			}
			for _, want := range tc.is {
				if !errors.Is(err, want) {
					t.Errorf("errors.Is(err, %v) = false; err = %v", want, err)
				}
			}
			for _, not := range tc.isNot {
				if errors.Is(err, not) {
					t.Errorf("errors.Is(err, %v) = true; err = %v", not, err)
				}
			}
		})
	}
}
