package wrapper

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/oapi-codegen/nullable"

	"github.com/halyard-labs/moneykit-go/api"
)

// UpdateParams is what UpdateLink changes. The zero value changes nothing: each field's
// zero value leaves that setting as it is, and its key is left out of the request.
//
// The deprecated `tags` field of the API is not offered; use LinkTags.
type UpdateParams struct {
	// Webhook: the zero value leaves the webhook unchanged; SetWebhook(url) sets it;
	// RemoveWebhook() removes it (sends "webhook": null).
	Webhook WebhookChange
	// LinkTags: the zero value leaves the tags unchanged; SetLinkTags(tags...) replaces
	// them; ClearLinkTags() removes them all (sends "link_tags": []).
	LinkTags LinkTagsChange
}

type changeOp uint8

const (
	keep changeOp = iota
	set
	remove
)

// WebhookChange is a change to a link's webhook: leave it (the zero value), set it, or
// remove it. Make one with SetWebhook or RemoveWebhook. It is comparable.
type WebhookChange struct {
	op  changeOp
	url string
}

// SetWebhook sets the link's webhook to rawURL, which must be an absolute http or https
// URL of at most 65536 characters (checked by UpdateLink before anything is sent).
func SetWebhook(rawURL string) WebhookChange { return WebhookChange{op: set, url: rawURL} }

// RemoveWebhook removes the link's webhook.
func RemoveWebhook() WebhookChange { return WebhookChange{op: remove} }

// IsZero reports whether w leaves the webhook unchanged.
func (w WebhookChange) IsZero() bool { return w.op == keep }

// URL returns the URL that w sets, and whether w sets one.
func (w WebhookChange) URL() (string, bool) { return w.url, w.op == set }

// IsRemove reports whether w removes the webhook.
func (w WebhookChange) IsRemove() bool { return w.op == remove }

// String describes the change: "unchanged", "remove" or "set <url>".
func (w WebhookChange) String() string {
	switch w.op {
	case set:
		return "set " + w.url
	case remove:
		return "remove"
	}
	return "unchanged"
}

// LinkTagsChange is a change to a link's tags: leave them (the zero value), or replace them
// with a list, which may be empty. Make one with SetLinkTags or ClearLinkTags.
type LinkTagsChange struct {
	set  bool
	tags []string
}

// SetLinkTags replaces the link's tags with tags (copied). With no tags it clears them.
func SetLinkTags(tags ...string) LinkTagsChange {
	return LinkTagsChange{set: true, tags: append(make([]string, 0, len(tags)), tags...)}
}

// ClearLinkTags removes all of the link's tags.
func ClearLinkTags() LinkTagsChange { return SetLinkTags() }

// IsZero reports whether t leaves the tags unchanged.
func (t LinkTagsChange) IsZero() bool { return !t.set }

// Tags returns a copy of the tags that t sets, and whether t sets them.
func (t LinkTagsChange) Tags() ([]string, bool) {
	if !t.set {
		return nil, false
	}
	return append([]string{}, t.tags...), true
}

// ErrInvalidWebhook is matched (errors.Is) by the error for a webhook URL that UpdateLink
// refuses to send.
var ErrInvalidWebhook = errors.New("moneykit: invalid webhook URL")

// ErrInvalidLinkTags is matched (errors.Is) by the error for tags that cannot be sent as
// they are: JSON would silently replace bytes that are not UTF-8.
var ErrInvalidLinkTags = errors.New("moneykit: invalid link tags")

// maxWebhookLen is the spec's maxLength for webhook, in characters.
const maxWebhookLen = 65536

// checkWebhook enforces what the spec says of a webhook (format uri, 1..65536 characters)
// and what a webhook must be to be called: absolute http(s) with a host.
func checkWebhook(raw string) error {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrInvalidWebhook, why) }
	switch {
	case raw == "":
		return bad("empty; use RemoveWebhook to remove the webhook")
	case len(raw) > maxWebhookLen*utf8.UTFMax || utf8.RuneCountInString(raw) > maxWebhookLen:
		return bad(fmt.Sprintf("longer than %d characters", maxWebhookLen))
	case !utf8.ValidString(raw):
		return bad("not valid UTF-8")
	case strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return bad("contains spaces or control characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("not a URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return bad(fmt.Sprintf("scheme %q: must be an absolute http or https URL", u.Scheme))
	}
	if u.Host == "" {
		return bad("no host")
	}
	return nil
}

// body checks p and builds the generated request body, keeping the three webhook states
// and the two link_tags states distinct on the wire.
func (p UpdateParams) body() (api.UpdateLinkRequest, error) {
	var req api.UpdateLinkRequest
	switch p.Webhook.op {
	case set:
		if err := checkWebhook(p.Webhook.url); err != nil {
			return req, err
		}
		req.Webhook = nullable.NewNullableWithValue(p.Webhook.url)
	case remove:
		req.Webhook = nullable.NewNullNullable[string]()
	}
	if p.LinkTags.set {
		tags := p.LinkTags.tags
		for i, t := range tags {
			if !utf8.ValidString(t) {
				return req, fmt.Errorf("%w: tag %d is not valid UTF-8", ErrInvalidLinkTags, i)
			}
		}
		if tags == nil { // a nil slice would marshal as null, which the API rejects
			tags = []string{}
		}
		req.LinkTags = &tags
	}
	return req, nil
}
