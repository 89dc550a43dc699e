package wrapper_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

// Ids are escaped into exactly one path segment: the server sees /links/<id>, whatever
// the id holds; every operation sends its method, the credentials and the fixed headers.
func TestLinkIDsOnTheWire(t *testing.T) {
	for _, id := range []string{
		linkID,
		"0b5c6a52-8a4e-4d2e-9d0b-3f1f5a8e7c11", // an older, UUID-shaped id
		"a/b", "../admin", "a/../../b", "?x=1", "#frag", "%2F", "%2e%2e", "a%", "with space",
		"ünïcødé-链接", "...", ".a", "a.", strings.Repeat("k", wrapper.MaxLinkIDLen),
	} {
		t.Run(id[:min(len(id), 20)], func(t *testing.T) {
			c, s := setup(t)
			var method string
			s.handle(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != method {
					t.Errorf("method = %s, want %s", r.Method, method)
				}
				if want := "/links/" + url.PathEscape(id); r.URL.EscapedPath() != want {
					t.Errorf("escaped path = %q, want %q", r.URL.EscapedPath(), want)
				}
				if r.URL.Path != "/links/"+id {
					t.Errorf("path = %q, want /links/%s", r.URL.Path, id)
				}
				if r.URL.RawQuery != "" || r.URL.Fragment != "" {
					t.Errorf("query %q fragment %q leaked from the id", r.URL.RawQuery, r.URL.Fragment)
				}
				want := map[string]string{
					"Authorization":    "Bearer " + testToken,
					"User-Agent":       wrapper.DefaultUserAgent,
					"MoneyKit-Version": wrapper.DefaultAPIVersion,
				}
				if r.ContentLength != 0 {
					want["Content-Type"] = "application/json"
				}
				for h, v := range want {
					if got := r.Header.Get(h); got != v {
						t.Errorf("%s: %s = %q, want %q", method, h, got, v)
					}
				}
				answerEach(t)(w, r)
			})
			for _, op := range linkOps {
				method = op.method
				if err := op.call(context.Background(), c, id); err != nil {
					t.Errorf("%s %q = %v", op.method, id, err)
				}
			}
			if s.count() != len(linkOps) {
				t.Errorf("requests = %d, want %d", s.count(), len(linkOps))
			}
		})
	}
}

// Ids that cannot be sent safely fail before any request.
func TestInvalidLinkIDsSendNothing(t *testing.T) {
	for _, id := range []string{"", ".", "..", "a\x00b", "line\nbreak", "tab\there", "cr\r", "del\x7f", "\xff\xfe", strings.Repeat("k", wrapper.MaxLinkIDLen+1), strings.Repeat("k", 10<<10)} {
		c, s := setup(t)
		for _, op := range linkOps {
			err := op.call(context.Background(), c, id)
			if !errors.Is(err, wrapper.ErrInvalidLinkID) {
				t.Errorf("%s %q = %v, want ErrInvalidLinkID", op.method, id, err)
			}
			if err != nil && len(err.Error()) > 200 {
				t.Errorf("%s: error for a long id is %d bytes long", op.method, len(err.Error()))
			}
		}
		if s.count() != 0 {
			t.Errorf("id %q: %d requests sent", id, s.count())
		}
	}
}

// An invalid call option fails the call before anything is sent, as it fails New.
func TestInvalidCallOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  wrapper.SharedOption
	}{
		{"WithMaxRetries(-1)", wrapper.WithMaxRetries(-1)},
		{"WithAttemptTimeout(0)", wrapper.WithAttemptTimeout(0)},
		{"WithAttemptTimeout(-1s)", wrapper.WithAttemptTimeout(-time.Second)},
		{"WithMaxRetryWait(-1s)", wrapper.WithMaxRetryWait(-time.Second)},
		{"WithRetryBackoff(0, 0)", wrapper.WithRetryBackoff(0, 0)},
		{"WithRetryBackoff(2s, 1s)", wrapper.WithRetryBackoff(2*time.Second, time.Second)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if c, err := wrapper.New(testToken, tc.opt); err == nil || c != nil {
				t.Errorf("New = %v, %v; want an error", c, err)
			}
			c, s := setup(t)
			for _, op := range linkOps {
				err := op.call(context.Background(), c, linkID, wrapper.WithMaxRetries(1), tc.opt)
				if err == nil || !strings.Contains(err.Error(), strings.Split(tc.name, "(")[0]) {
					t.Errorf("%s = %v; want the option's error", op.method, err)
				}
			}
			if s.count() != 0 {
				t.Errorf("%d requests sent", s.count())
			}
		})
	}
	c, s := setup(t)
	for _, op := range linkOps {
		if err := op.call(context.Background(), c, linkID, nil); err == nil || !strings.Contains(err.Error(), "nil CallOption") {
			t.Errorf("%s with a nil CallOption = %v", op.method, err)
		}
	}
	if s.count() != 0 {
		t.Errorf("%d requests sent", s.count())
	}
}

func TestInvalidWebhooksSendNothing(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("a", 65536)
	for _, hook := range []string{
		"", "/relative/hook", "example.com/hook", "javascript:alert(1)", "file:///etc/passwd",
		"ftp://example.com/x", "https://", "https:///path", "https://exa mple.com/",
		"https://example.com/\x00", "https://example.com/\n", " https://example.com/", "\xffhttps://x",
		long,
	} {
		c, s := setup(t)
		_, err := c.UpdateLink(context.Background(), linkID, wrapper.UpdateParams{Webhook: wrapper.SetWebhook(hook)})
		if !errors.Is(err, wrapper.ErrInvalidWebhook) {
			t.Errorf("SetWebhook(%.40q) = %v, want ErrInvalidWebhook", hook, err)
		}
		if s.count() != 0 {
			t.Errorf("webhook %.40q: %d requests sent", hook, s.count())
		}
	}
	// The bounds themselves are fine: exactly 65536 characters, multi-byte ones counted once.
	for _, hook := range []string{
		"https://example.com/" + strings.Repeat("a", 65536-len("https://example.com/")),
		"https://example.com/" + strings.Repeat("é", 65536-len("https://example.com/")),
		"http://127.0.0.1:9/hook?x=1#f",
	} {
		c, s := setup(t)
		s.handle(reply(200, fixture(t, "responses/link.json")))
		if _, err := c.UpdateLink(context.Background(), linkID, wrapper.UpdateParams{Webhook: wrapper.SetWebhook(hook)}); err != nil {
			t.Errorf("SetWebhook(%d chars) = %v", len([]rune(hook)), err)
		}
	}
}

func TestContext(t *testing.T) {
	for _, op := range linkOps {
		t.Run(op.method, func(t *testing.T) {
			t.Run("cancelled before the call sends nothing", func(t *testing.T) {
				c, s := setup(t)
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				if err := op.call(ctx, c, linkID); !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v", err)
				}
				if s.count() != 0 {
					t.Errorf("%d requests sent", s.count())
				}
			})
			t.Run("deadline during a slow answer", func(t *testing.T) {
				specValidator(t) // shared by every test: built outside the bubble
				synctest.Test(t, func(t *testing.T) {
					c, s := setup(t)
					release := make(chan struct{})
					defer close(release)
					s.handle(func(w http.ResponseWriter, r *http.Request) {
						select {
						case <-release:
						case <-r.Context().Done():
						}
					})
					ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
					defer cancel()
					start := time.Now()
					err := op.call(ctx, c, linkID)
					if !errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("err = %v, want DeadlineExceeded", err)
					}
					if d := time.Since(start); d != 50*time.Millisecond {
						t.Errorf("returned after %v, want at the deadline, 50ms", d)
					}
				})
			})
			t.Run("nil context", func(t *testing.T) {
				c, s := setup(t)
				if err := op.call(nil, c, linkID); err == nil {
					t.Error("nil context accepted")
				}
				if s.count() != 0 {
					t.Errorf("%d requests sent", s.count())
				}
			})
		})
	}
}

func TestZeroClient(t *testing.T) {
	for _, op := range linkOps {
		if err := op.call(context.Background(), nil, linkID); !errors.Is(err, wrapper.ErrNoClient) {
			t.Errorf("%s, nil Client: %v", op.method, err)
		}
		if err := op.call(context.Background(), &wrapper.Client{}, linkID); !errors.Is(err, wrapper.ErrNoClient) {
			t.Errorf("%s, zero Client: %v", op.method, err)
		}
	}
}

func TestChangeValues(t *testing.T) {
	var p wrapper.UpdateParams
	if !p.Webhook.IsZero() || !p.LinkTags.IsZero() || p.Webhook.String() != "unchanged" {
		t.Error("zero UpdateParams must change nothing")
	}
	if w := wrapper.RemoveWebhook(); !w.IsRemove() || w.IsZero() || w != wrapper.RemoveWebhook() {
		t.Error("RemoveWebhook")
	}
	if u, ok := wrapper.SetWebhook("https://x.test/h").URL(); !ok || u != "https://x.test/h" {
		t.Error("SetWebhook")
	}
	src := []string{"a", "b"}
	tags := wrapper.SetLinkTags(src...)
	src[0] = "changed"
	if got, ok := tags.Tags(); !ok || strings.Join(got, ",") != "a,b" {
		t.Errorf("SetLinkTags kept a reference to its argument: %v", got)
	}
	if got, ok := wrapper.ClearLinkTags().Tags(); !ok || got == nil || len(got) != 0 {
		t.Errorf("ClearLinkTags = %v, %v", got, ok)
	}
}
