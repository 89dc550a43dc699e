package wrapper_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

// Ids are escaped into exactly one path segment: the server sees /links/<id>, whatever
// the id holds.
func TestLinkIDsOnTheWire(t *testing.T) {
	for _, id := range []string{
		linkID,
		"0b5c6a52-8a4e-4d2e-9d0b-3f1f5a8e7c11", // an older, UUID-shaped id
		"a/b", "../admin", "a/../../b", "?x=1", "#frag", "%2F", "%2e%2e", "a%", "with space",
		"ünïcødé-链接", "...", ".a", "a.", strings.Repeat("k", wrapper.MaxLinkIDLen),
	} {
		t.Run(id[:min(len(id), 20)], func(t *testing.T) {
			c, s := setup(t)
			s.handle(func(w http.ResponseWriter, r *http.Request) {
				if want := "/links/" + url.PathEscape(id); r.URL.EscapedPath() != want {
					t.Errorf("escaped path = %q, want %q", r.URL.EscapedPath(), want)
				}
				if r.URL.Path != "/links/"+id {
					t.Errorf("path = %q, want /links/%s", r.URL.Path, id)
				}
				if r.URL.RawQuery != "" || r.URL.Fragment != "" {
					t.Errorf("query %q fragment %q leaked from the id", r.URL.RawQuery, r.URL.Fragment)
				}
				if r.Method == http.MethodDelete {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				reply(200, fixture(t, "responses/link.json"))(w, r)
			})
			if err := c.DeleteLink(context.Background(), id); err != nil {
				t.Errorf("DeleteLink(%q) = %v", id, err)
			}
			if _, err := c.UpdateLink(context.Background(), id, wrapper.UpdateParams{}); err != nil {
				t.Errorf("UpdateLink(%q) = %v", id, err)
			}
			if s.count() != 2 {
				t.Errorf("requests = %d, want 2", s.count())
			}
		})
	}
}

// Ids that cannot be sent safely fail before any request.
func TestInvalidLinkIDsSendNothing(t *testing.T) {
	for _, id := range []string{"", ".", "..", "a\x00b", "line\nbreak", "tab\there", "cr\r", "del\x7f", "\xff\xfe", strings.Repeat("k", wrapper.MaxLinkIDLen+1), strings.Repeat("k", 10<<10)} {
		c, s := setup(t)
		err := c.DeleteLink(context.Background(), id)
		if !errors.Is(err, wrapper.ErrInvalidLinkID) {
			t.Errorf("DeleteLink(%q) = %v, want ErrInvalidLinkID", id, err)
		}
		_, err = c.UpdateLink(context.Background(), id, wrapper.UpdateParams{Webhook: wrapper.RemoveWebhook()})
		if !errors.Is(err, wrapper.ErrInvalidLinkID) {
			t.Errorf("UpdateLink(%q) = %v, want ErrInvalidLinkID", id, err)
		}
		if err != nil && len(err.Error()) > 200 {
			t.Errorf("error for a long id is %d bytes long", len(err.Error()))
		}
		if s.count() != 0 {
			t.Errorf("id %q: %d requests sent", id, s.count())
		}
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
	t.Run("cancelled before the call sends nothing", func(t *testing.T) {
		c, s := setup(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := c.DeleteLink(ctx, linkID); !errors.Is(err, context.Canceled) {
			t.Errorf("DeleteLink = %v", err)
		}
		if _, err := c.UpdateLink(ctx, linkID, wrapper.UpdateParams{}); !errors.Is(err, context.Canceled) {
			t.Errorf("UpdateLink = %v", err)
		}
		if s.count() != 0 {
			t.Errorf("%d requests sent", s.count())
		}
	})
	t.Run("deadline during a slow answer", func(t *testing.T) {
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
		err := c.DeleteLink(ctx, linkID)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("returned after %v", d)
		}
	})
	t.Run("nil context", func(t *testing.T) {
		c, s := setup(t)
		//lint:ignore SA1012 testing the nil-context guard
		if err := c.DeleteLink(nil, linkID); err == nil { //nolint:staticcheck
			t.Error("nil context accepted")
		}
		if s.count() != 0 {
			t.Errorf("%d requests sent", s.count())
		}
	})
}

func TestZeroClient(t *testing.T) {
	var c *wrapper.Client
	if err := c.DeleteLink(context.Background(), linkID); !errors.Is(err, wrapper.ErrNoClient) {
		t.Errorf("nil Client: %v", err)
	}
	if _, err := (&wrapper.Client{}).UpdateLink(context.Background(), linkID, wrapper.UpdateParams{}); !errors.Is(err, wrapper.ErrNoClient) {
		t.Errorf("zero Client: %v", err)
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
