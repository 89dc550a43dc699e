package wrapper_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// roundTripFunc answers in memory: fuzzing runs without sockets.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func memClient(t testing.TB, rt roundTripFunc) *wrapper.Client {
	t.Helper()
	c, err := wrapper.New(testToken, wrapper.WithBaseURL("http://127.0.0.1:9"), wrapper.WithMaxRetries(0),
		wrapper.WithHTTPClient(&http.Client{Transport: rt}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func answer(status int, ctype string, body []byte) roundTripFunc {
	return func(r *http.Request) (*http.Response, error) {
		if r.Body != nil {
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
		}
		h := http.Header{}
		if ctype != "" {
			h.Set("Content-Type", ctype)
		}
		return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
	}
}

// Any error body, with any status, becomes an *Error of every operation with that status and a short,
// one-line, valid UTF-8 excerpt; never a panic, never success.
func FuzzErrorBody(f *testing.F) {
	for _, seed := range []string{
		`{"error_code":"link_error.not_found","error_message":"Link not found."}`,
		`{"error_code":"link_error.bad_state","error_message":"x","link_error_code":"auth_expired"}`,
		`{"error_code":"api_error.request.validation_failed","error_message":"x","validation_errors":[{"location":["body",0],"message":"m","type":"t"}]}`,
		`<html><body>502</body></html>`, ``, `{"error_code":42}`, "\xff\xfe\x00",
	} {
		f.Add(404, seed)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 300 || status > 599 || status == 304 {
			return
		}
		c := memClient(t, answer(status, "application/json", []byte(body)))
		for _, op := range linkOps {
			err := op.call(context.Background(), c, linkID)
			var e *wrapper.Error
			if !errors.As(err, &e) || e.StatusCode != status {
				t.Fatalf("%s: status %d body %q: err = %v", op.method, status, body, err)
			}
			if len(e.Body) > 210 || strings.ContainsAny(e.Body, "\n\r\x00") || !utf8.ValidString(e.Body) {
				t.Fatalf("excerpt %q", e.Body)
			}
			if msg := err.Error(); strings.Contains(msg, testToken) || strings.Contains(msg, "\n") {
				t.Fatalf("Error() = %q", msg)
			}
		}
	})
}

// Any 200 body gives either a link with an id (the other fields may be missing: they keep
// their zero value), or ErrMalformedResponse.
func FuzzLinkDecode(f *testing.F) {
	ref, err := readFixture("responses/link.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ref)
	f.Add(`{"link_id":"mk_1","state":"brand_new_state","provider":"teller","available_products":["payments"]}`)
	f.Add(`{"link_id":"mk_1","state":"connected","last_synced_at":"2023-02-16T09:14:11"}`)
	f.Add(`{"link_id":"mk_1","state":"connected","last_synced_at":null,"webhook":null,"link_tags":null}`)
	f.Add(`{"link_id":"mk_1","state":"connected","products":{"accounts":{"refreshed_at":12}}}`)
	f.Add(`[]`)
	f.Add(`{"link_id":"mk_1"}`)
	f.Fuzz(func(t *testing.T, body string) {
		c := memClient(t, answer(200, "application/json", []byte(body)))
		link, err := c.UpdateLink(context.Background(), linkID, wrapper.UpdateParams{})
		switch {
		case err == nil:
			if link == nil || link.LinkID == "" {
				t.Fatalf("body %q: success without a link %+v", body, link)
			}
		case !errors.Is(err, wrapper.ErrMalformedResponse):
			t.Fatalf("body %q: err = %v, want ErrMalformedResponse", body, err)
		}
	})
}

// Every id is refused before sending or reaches the server as exactly /links/<one segment>
// that decodes back to the id.
func FuzzLinkID(f *testing.F) {
	for _, seed := range []string{linkID, "", ".", "..", "a/b", "../x", "?q=1", "#f", "%2F", "a\x00b", "sp ace", "ünï", strings.Repeat("k", 600), "./.", "%"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		for _, op := range linkOps {
			sent := false
			c := memClient(t, func(r *http.Request) (*http.Response, error) {
				sent = true
				want := "/links/" + url.PathEscape(id)
				if r.URL.EscapedPath() != want || r.URL.RawQuery != "" || r.URL.Fragment != "" {
					t.Fatalf("%s: id %q sent as %q (query %q), want %q", op.method, id, r.URL.EscapedPath(), r.URL.RawQuery, want)
				}
				seg, err := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/links/"))
				if err != nil || seg != id || strings.Contains(strings.TrimPrefix(r.URL.EscapedPath(), "/links/"), "/") {
					t.Fatalf("%s: id %q: path %q is not one segment holding the id", op.method, id, r.URL.EscapedPath())
				}
				rec := httptest.NewRecorder()
				op.ok(t)(rec, r)
				return rec.Result(), nil
			})
			err := op.call(context.Background(), c, id)
			if errors.Is(err, wrapper.ErrInvalidLinkID) {
				if sent {
					t.Fatalf("%s: id %q refused after sending", op.method, id)
				}
				continue
			}
			if err != nil || !sent {
				t.Fatalf("%s: id %q: err = %v, sent = %v", op.method, id, err, sent)
			}
		}
	})
}

// The three webhook states and the link_tags states survive the trip to the wire.
func FuzzUpdateParams(f *testing.F) {
	f.Add(uint8(0), "", false, "")
	f.Add(uint8(1), "https://example.com/hook", true, "a,b")
	f.Add(uint8(2), "", true, "")
	f.Add(uint8(1), "javascript:alert(1)", false, "")
	f.Fuzz(func(t *testing.T, state uint8, hook string, setTags bool, tags string) {
		var p wrapper.UpdateParams
		switch state % 3 {
		case 1:
			p.Webhook = wrapper.SetWebhook(hook)
		case 2:
			p.Webhook = wrapper.RemoveWebhook()
		}
		var tagList []string
		if setTags {
			if tags != "" {
				tagList = strings.Split(tags, ",")
			}
			p.LinkTags = wrapper.SetLinkTags(tagList...)
		}
		var body []byte
		c := memClient(t, func(r *http.Request) (*http.Response, error) {
			body, _ = io.ReadAll(r.Body)
			ref, _ := readFixture("responses/link.json")
			return answer(200, "application/json", []byte(ref))(r)
		})
		_, err := c.UpdateLink(context.Background(), linkID, p)
		if errors.Is(err, wrapper.ErrInvalidWebhook) && state%3 == 1 {
			return
		}
		if errors.Is(err, wrapper.ErrInvalidLinkTags) && !utf8.ValidString(tags) {
			if body != nil {
				t.Fatal("invalid tags were sent")
			}
			return
		}
		if err != nil {
			t.Fatalf("UpdateLink: %v", err)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		var got api.UpdateLinkRequest
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		switch state % 3 {
		case 0:
			if _, ok := raw["webhook"]; ok {
				t.Fatalf("unchanged webhook sent: %s", body)
			}
		case 1:
			if v, err := got.Webhook.Get(); err != nil || v != hook {
				t.Fatalf("set webhook %q arrived as %s", hook, body)
			}
		case 2:
			if string(raw["webhook"]) != "null" {
				t.Fatalf("removed webhook arrived as %s", body)
			}
		}
		if _, ok := raw["link_tags"]; ok != setTags {
			t.Fatalf("link_tags present = %v, want %v: %s", ok, setTags, body)
		}
		if setTags && (got.LinkTags == nil || strings.Join(*got.LinkTags, ",") != strings.Join(tagList, ",") || string(raw["link_tags"]) == "null") {
			t.Fatalf("tags %q arrived as %s", tagList, body)
		}
		if _, ok := raw["tags"]; ok {
			t.Fatal("deprecated tags sent")
		}
	})
}
