package moneykittest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/moneykittest/internal/fakeapi"
)

// DeletedRetention is how long a deleted link answers 410 before it answers 404.
const DeletedRetention = 90 * 24 * time.Hour

// Ids of seeded links with special behaviour (the seed holds more; Fake.LinkIDs lists them).
const (
	// SeedLinkID is the reference page's link: connected, with a webhook and tags.
	SeedLinkID = "mk_eqkWN34UEoa2NxyALG8pcV"
	// ForbiddenLinkID is a link whose owner restricted it: every change answers 403.
	ForbiddenLinkID = "mk_7Hq2RkCw9dXfPzLmA1bVtE"
	// BadStateLinkID is a link in the error state whose changes answer 422
	// link_error.bad_state with link_error_code auth_expired.
	BadStateLinkID = "mk_3JpYc8UuGv5nKsW0oQeRzT"
	// DeletedLinkID is a link deleted a day before the fake started: it answers 410.
	DeletedLinkID = "mk_9TfLx4DhMa2BbYcNq6WsUg"
)

type record struct {
	link      fakeapi.Link
	deletedAt time.Time // zero: not deleted
	forbidden bool
	badState  string // link_error_code for a 422; empty: changes allowed
}

// LinkOption sets how an added link behaves.
type LinkOption func(*record)

// Restricted makes every change to the link answer 403 link_error.forbidden_action.
func Restricted() LinkOption { return func(r *record) { r.forbidden = true } }

// BadState makes every change to the link answer 422 link_error.bad_state with
// linkErrorCode.
func BadState(linkErrorCode string) LinkOption {
	return func(r *record) { r.badState = linkErrorCode }
}

// DeletedAt marks the link deleted at t: 410 until t+DeletedRetention, then 404.
func DeletedAt(t time.Time) LinkOption {
	return func(r *record) {
		r.deletedAt = t
		r.link.State = fakeapi.LinkStateDeleted
	}
}

// AddLink adds or replaces a link. The link is stored as given, so a test can make the
// fake answer with any link, even one that breaks the spec (the response check reports it).
func (f *Fake) AddLink(link api.Link, opts ...LinkOption) error {
	if link.LinkID == "" {
		return errors.New("moneykittest: AddLink: empty link_id")
	}
	var r record
	if err := convert(link, &r.link); err != nil {
		return fmt.Errorf("moneykittest: AddLink: %w", err)
	}
	for _, o := range opts {
		o(&r)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.links[link.LinkID] = &r
	return nil
}

// Link returns the stored link with that id, deleted or not.
func (f *Fake) Link(id string) (api.Link, bool) {
	f.mu.Lock()
	r, ok := f.links[id]
	var l fakeapi.Link
	if ok {
		l = r.link
	}
	f.mu.Unlock()
	var out api.Link
	if !ok || convert(l, &out) != nil {
		return api.Link{}, false
	}
	return out, true
}

// LinkIDs returns the ids of all stored links, sorted.
func (f *Fake) LinkIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]string, 0, len(f.links))
	for id := range f.links {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// convert copies between the client's and the fake's generated types through their JSON,
// which the spec defines for both.
func convert(from, to any) error {
	b, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, to)
}

// Request is a request the fake received, as it arrived.
type Request struct {
	Time   time.Time
	Method string
	// Path is the escaped path, as on the wire.
	Path string
	// LinkID is the decoded {id} path segment, if the path had one.
	LinkID string
	// Header is the request's header, with Authorization reading "<scheme> [REDACTED]" and
	// X-Client-Secret "[REDACTED]".
	Header http.Header
	// Body is the raw request body (absent and null stay different here), except that
	// the client_secret of a form body (POST /auth/token) reads "[REDACTED]".
	Body []byte
	// Status is the status the fake answered (0 if the connection was dropped).
	Status int
}

// Requests returns the requests received so far, oldest first.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

// ResetRequests forgets the requests received so far.
func (f *Fake) ResetRequests() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = nil
}
