package moneykittest

import (
	"fmt"
	"strconv"
	"time"

	fk "github.com/halyard-labs/moneykit-go/moneykittest/internal/fakeapi"
)

const docsURL = "https://docs.moneykit.com/reference/errors"

// reason is why the fake refuses an operation on a link.
type reason int

const (
	notFound reason = iota + 1
	deleted
	forbidden
	badState
	rateLimited
)

// refusal is a refused operation on a link, with what its answer needs.
type refusal struct {
	reason     reason
	badState   string // the link_error_code of a 422 link_error.bad_state
	retryAfter string // the Retry-After of a 429
}

// opRead is the op of an operation that only reads a link: no rules beyond find's.
const opRead = ""

// onLink answers an operation (op) on link id. Under f.mu, it applies the rules of every
// link operation (find) and, unless op is opRead, those only changes have (mayChange). If
// they allow it, the answer is do's; if not, refused's: refuse, with the operation's types.
func onLink[R any](f *Fake, id, op string, refused func(*refusal) (R, error), do func(r *record, now time.Time) R) (R, error) {
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	r, no := f.find(id, now)
	if no == nil && op != opRead {
		no = f.mayChange(r, id, op, now)
	}
	if no != nil {
		return refused(no)
	}
	return do(r, now), nil
}

// find looks up the link an operation names, for reads and changes alike; the caller holds
// f.mu. A missing link answers 404, a deleted one 410 (404 once DeletedRetention has passed:
// it is then dropped), a restricted one 403.
func (f *Fake) find(id string, now time.Time) (*record, *refusal) {
	r, ok := f.links[id]
	switch {
	case !ok:
		return nil, &refusal{reason: notFound}
	case !r.deletedAt.IsZero() && now.Sub(r.deletedAt) >= DeletedRetention:
		delete(f.links, id) // hard-deleted after 90 days
		return nil, &refusal{reason: notFound}
	case !r.deletedAt.IsZero():
		return nil, &refusal{reason: deleted}
	case r.forbidden:
		return nil, &refusal{reason: forbidden}
	}
	return r, nil
}

// mayChange applies the rules only changes have, to a link find allowed: a link in a bad
// state answers 422, and each change counts against the rate limits of op (429). The
// caller holds f.mu.
func (f *Fake) mayChange(r *record, id, op string, now time.Time) *refusal {
	if r.badState != "" {
		return &refusal{reason: badState, badState: r.badState}
	}
	if wait := f.limits.take(op, id, now); wait > 0 {
		return &refusal{reason: rateLimited, retryAfter: f.retryAfter(wait, now)}
	}
	return nil
}

// refuse answers a refusal with the operation's own generated response type. Each
// operation has its own type per status, but each is a struct that embeds the shared type
// of the spec's components/responses (fk.UpdateLink404JSONResponse is
// struct{ fk.NotFoundJSONResponse }), so a handler names its types once (R is its response
// interface; then its 403, 404, 410, 422 and 429) and this builds the one that fits.
func refuse[R any,
	Forbidden ~struct{ fk.ForbiddenJSONResponse },
	NotFound ~struct{ fk.NotFoundJSONResponse },
	Deleted ~struct{ fk.DeletedJSONResponse },
	BadState ~struct{ fk.BadStateJSONResponse },
	RateLimited ~struct{ fk.RateLimitedJSONResponse },
](no *refusal) (R, error) {
	var answer any
	switch no.reason {
	case forbidden:
		answer = Forbidden{forbiddenBody()}
	case notFound:
		answer = NotFound{notFoundBody()}
	case deleted:
		answer = Deleted{deletedBody()}
	case badState:
		b, err := badStateBody(no.badState)
		if err != nil {
			var zero R
			return zero, err
		}
		answer = BadState{b}
	case rateLimited:
		answer = RateLimited{fk.RateLimitedJSONResponse{
			Body:    rateLimitBody(),
			Headers: fk.RateLimitedResponseHeaders{RetryAfter: no.retryAfter},
		}}
	}
	r, ok := answer.(R)
	if !ok {
		return r, fmt.Errorf("moneykittest: refusal %d: %T is not a response of this operation", no.reason, answer)
	}
	return r, nil
}

// retryAfter formats a wait as delta-seconds (rounded up) or, WithRetryAfterHTTPDate, a date.
func (f *Fake) retryAfter(wait time.Duration, now time.Time) string {
	if f.httpDate {
		return now.Add(wait + time.Second - 1).UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	}
	return strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10)
}

func ptrString(s string) *string { return &s }

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
