package moneykittest

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/oapi-codegen/nullable"

	fk "github.com/halyard-labs/moneykit-go/moneykittest/internal/fakeapi"
)

const docsURL = "https://docs.moneykit.com/reference/errors"

// handlers implements the generated strict server interface: the business rules of the
// links API. Authentication and request validation have passed by the time they run.
type handlers struct{ f *Fake }

var _ fk.StrictServerInterface = (*handlers)(nil)

// outcome is what the rules say about a change to a link, before it is made.
type outcome int

const (
	allowed outcome = iota
	notFound
	deleted
	forbidden
	badState
	rateLimited
)

// check applies the rules shared by PATCH and DELETE; the caller holds f.mu.
func (f *Fake) check(id, op string, now time.Time) (*record, outcome, time.Duration) {
	r, ok := f.links[id]
	switch {
	case !ok:
		return nil, notFound, 0
	case !r.deletedAt.IsZero() && now.Sub(r.deletedAt) >= DeletedRetention:
		delete(f.links, id) // hard-deleted after 90 days
		return nil, notFound, 0
	case !r.deletedAt.IsZero():
		return r, deleted, 0
	case r.forbidden:
		return r, forbidden, 0
	case r.badState != "":
		return r, badState, 0
	}
	if wait := f.limits.take(op, id, now); wait > 0 {
		return r, rateLimited, wait
	}
	return r, allowed, 0
}

// retryAfter formats a wait as delta-seconds (rounded up) or, WithRetryAfterHTTPDate, a date.
func (f *Fake) retryAfter(wait time.Duration, now time.Time) string {
	if f.httpDate {
		return now.Add(wait + time.Second - 1).UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	}
	return strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10)
}

func ptrString(s string) *string { return &s }

func (h *handlers) UpdateLink(_ context.Context, req fk.UpdateLinkRequestObject) (fk.UpdateLinkResponseObject, error) {
	f := h.f
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	r, out, wait := f.check(req.ID, opPatch, now)
	switch out {
	case notFound:
		return fk.UpdateLink404JSONResponse{NotFoundJSONResponse: notFoundBody()}, nil
	case deleted:
		return fk.UpdateLink410JSONResponse{DeletedJSONResponse: deletedBody()}, nil
	case forbidden:
		return fk.UpdateLink403JSONResponse{ForbiddenJSONResponse: forbiddenBody()}, nil
	case badState:
		b, err := badStateBody(r.badState)
		return fk.UpdateLink422JSONResponse{BadStateJSONResponse: b}, err
	case rateLimited:
		return fk.UpdateLink429JSONResponse{RateLimitedJSONResponse: fk.RateLimitedJSONResponse{
			Body:    rateLimitBody(),
			Headers: fk.RateLimitedResponseHeaders{RetryAfter: f.retryAfter(wait, now)},
		}}, nil
	}
	if body := req.Body; body != nil {
		// Absent leaves a field alone; null removes the webhook (the link then says null); a
		// value sets it.
		if body.Webhook.IsSpecified() {
			if hook, err := body.Webhook.Get(); err == nil {
				r.link.Webhook = nullable.NewNullableWithValue(hook)
			} else {
				r.link.Webhook = nullable.NewNullNullable[string]()
			}
		}
		if body.LinkTags != nil {
			tags := slices.Clone(*body.LinkTags)
			if tags == nil {
				tags = []string{}
			}
			r.link.LinkTags = &tags
		}
		if body.Tags != nil { // deprecated, still accepted
			tags := slices.Clone(*body.Tags)
			if tags == nil {
				tags = []string{}
			}
			r.link.Tags = &tags
		}
	}
	return fk.UpdateLink200JSONResponse(r.link), nil
}

func (h *handlers) DeleteLink(_ context.Context, req fk.DeleteLinkRequestObject) (fk.DeleteLinkResponseObject, error) {
	f := h.f
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	r, out, wait := f.check(req.ID, opDelete, now)
	switch out {
	case notFound:
		return fk.DeleteLink404JSONResponse{NotFoundJSONResponse: notFoundBody()}, nil
	case deleted:
		return fk.DeleteLink410JSONResponse{DeletedJSONResponse: deletedBody()}, nil
	case forbidden:
		return fk.DeleteLink403JSONResponse{ForbiddenJSONResponse: forbiddenBody()}, nil
	case badState:
		b, err := badStateBody(r.badState)
		return fk.DeleteLink422JSONResponse{BadStateJSONResponse: b}, err
	case rateLimited:
		return fk.DeleteLink429JSONResponse{RateLimitedJSONResponse: fk.RateLimitedJSONResponse{
			Body:    rateLimitBody(),
			Headers: fk.RateLimitedResponseHeaders{RetryAfter: f.retryAfter(wait, now)},
		}}, nil
	}
	r.deletedAt = now
	r.link.State = fk.LinkStateDeleted
	if f.delete204 {
		return fk.DeleteLink204Response{}, nil
	}
	return fk.DeleteLink200JSONResponse{}, nil
}

func notFoundBody() fk.NotFoundJSONResponse {
	return fk.NotFoundJSONResponse{ErrorCode: fk.LinkNotFoundErrorErrorCodeLinkErrorNotFound, ErrorMessage: "Link not found.", DocumentationURL: ptrString(docsURL)}
}

func deletedBody() fk.DeletedJSONResponse {
	return fk.DeletedJSONResponse{ErrorCode: fk.LinkDeletedErrorErrorCodeLinkErrorDeleted, ErrorMessage: "This link was deleted at some earlier time.", DocumentationURL: ptrString(docsURL)}
}

func forbiddenBody() fk.ForbiddenJSONResponse {
	return fk.ForbiddenJSONResponse{ErrorCode: fk.ForbiddenActionErrorErrorCodeLinkErrorForbiddenAction, ErrorMessage: "Accounts access not permitted", DocumentationURL: ptrString(docsURL)}
}

func rateLimitBody() fk.RateLimitExceededError {
	return fk.RateLimitExceededError{ErrorCode: fk.RateLimitExceededErrorErrorCodeAPIErrorRateLimitExceeded, ErrorMessage: "Rate limit exceeded", DocumentationURL: ptrString(docsURL)}
}

func badStateBody(linkErrorCode string) (fk.BadStateJSONResponse, error) {
	var u fk.UnprocessableError
	err := u.FromLinkBadStateError(fk.LinkBadStateError{
		ErrorCode:        fk.LinkBadStateErrorErrorCodeLinkErrorBadState,
		ErrorMessage:     "The link is not in a state that allows this change.",
		DocumentationURL: ptrString(docsURL),
		LinkErrorCode:    linkErrorCode,
	})
	return fk.BadStateJSONResponse(u), err
}
