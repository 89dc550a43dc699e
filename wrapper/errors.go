package wrapper

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/halyard-labs/moneykit-go/api"
)

// Code is a MoneyKit error_code. Codes this package does not know are kept as sent.
type Code string

// The error codes MoneyKit documents for these endpoints, taken from the generated api
// package so that a change to openapi.yaml shows here.
const (
	CodeAccessTokenExpired     Code = Code(api.ExpiredAccessTokenErrorErrorCodeAPIErrorAuthExpiredAccessToken)
	CodeUnauthorized           Code = Code(api.UnauthorizedErrorErrorCodeAPIErrorAuthUnauthorized)
	CodeUnauthorizedLinkAccess Code = Code(api.UnauthorizedLinkAccessErrorErrorCodeLinkErrorUnauthorizedAccess)
	CodeValidationFailed       Code = Code(api.ValidationFailedErrorErrorCodeAPIErrorRequestValidationFailed)
	CodeForbiddenAction        Code = Code(api.ForbiddenActionErrorErrorCodeLinkErrorForbiddenAction)
	CodeNotFound               Code = Code(api.LinkNotFoundErrorErrorCodeLinkErrorNotFound)
	CodeLinkDeleted            Code = Code(api.LinkDeletedErrorErrorCodeLinkErrorDeleted)
	CodeBadState               Code = Code(api.LinkBadStateErrorErrorCodeLinkErrorBadState)
	CodeRateLimitExceeded      Code = Code(api.RateLimitExceededErrorErrorCodeAPIErrorRateLimitExceeded)
)

// codeError is the type of the sentinels: an *Error matches one when its Code is the same.
type codeError struct{ code Code }

func (e *codeError) Error() string { return "moneykit: " + string(e.code) }

// Sentinels for errors.Is, one per documented error_code. They match any *Error with that
// code, whatever its status, message or link. An *Error whose body was not a MoneyKit
// error (no error_code) matches by status: 429 ErrRateLimited, 401 ErrUnauthorized.
var (
	// ErrAccessTokenExpired: 401 api_error.auth.expired_access_token. Get a new token.
	ErrAccessTokenExpired error = &codeError{CodeAccessTokenExpired}
	// ErrForbiddenAction: 403 link_error.forbidden_action. The link's owner did not allow it.
	ErrForbiddenAction error = &codeError{CodeForbiddenAction}
	// ErrNotFound: 404 link_error.not_found. No such link (or deleted over 90 days ago).
	ErrNotFound error = &codeError{CodeNotFound}
	// ErrLinkDeleted: 410 link_error.deleted. The link was deleted.
	ErrLinkDeleted error = &codeError{CodeLinkDeleted}
	// ErrBadState: 422 link_error.bad_state. The link's state forbids the change; see
	// Error.LinkErrorCode.
	ErrBadState error = &codeError{CodeBadState}
	// ErrRateLimited: 429 api_error.rate_limit_exceeded, or any 429 without a MoneyKit
	// error body. See Error.RetryAfter.
	ErrRateLimited error = &codeError{CodeRateLimitExceeded}
	// ErrUnauthorized: 401 api_error.auth.unauthorized, or any 401 without a MoneyKit
	// error body, from the links API. Missing or bad credentials. The token endpoint's
	// refusal of a client id and secret is a *TokenError (ErrTokenSource) instead.
	ErrUnauthorized error = &codeError{CodeUnauthorized}
	// ErrUnauthorizedLinkAccess: 401 link_error.unauthorized_access. The credentials may
	// not access this link.
	ErrUnauthorizedLinkAccess error = &codeError{CodeUnauthorizedLinkAccess}
	// ErrValidationFailed: 422 api_error.request.validation_failed. The request broke the
	// API's schema; see Error.ValidationErrors.
	ErrValidationFailed error = &codeError{CodeValidationFailed}
)

// ValidationError is one entry of a validation_failed error: where the bad value is (for
// example ["body", "webhook"]; list indexes are numbers), why, and the error type. Each
// Location element is a string or a float64; any other JSON value a server puts there is
// given as its JSON text. Secrets a server repeats are redacted from every field.
type ValidationError struct {
	Location []any  `json:"location"`
	Message  string `json:"message"`
	Type     string `json:"type"`
}

// String prints the entry as "body.webhook: message (type)".
func (v ValidationError) String() string {
	var b strings.Builder
	for i, l := range v.Location {
		if i > 0 {
			b.WriteByte('.')
		}
		fmt.Fprint(&b, l)
	}
	b.WriteString(": ")
	b.WriteString(v.Message)
	if v.Type != "" {
		b.WriteString(" (" + v.Type + ")")
	}
	return b.String()
}

// ErrMalformedResponse is matched (errors.Is) by the *Error for a success status whose body
// is empty, not JSON, or not a link: the call's outcome is unknown, nothing is returned.
var ErrMalformedResponse = errors.New("malformed response body")

// Error is an answer from the API that is not a success: any status outside 2xx, or a 2xx
// whose body cannot be used (then it wraps ErrMalformedResponse). Match a category with
// errors.Is against the sentinels (ErrNotFound, ...); read the fields with errors.As.
type Error struct {
	// Method and LinkID name the call: "PATCH" or "DELETE", and the link's id.
	Method string
	LinkID string
	// StatusCode is the HTTP status.
	StatusCode int
	// Code, Message and DocumentationURL are the body's error_code, error_message and
	// documentation_url; empty when the body was not a MoneyKit error.
	Code             Code
	Message          string
	DocumentationURL string
	// LinkErrorCode is the link's own error code that a 422 link_error.bad_state names.
	LinkErrorCode string
	// ValidationErrors lists what a 422 api_error.request.validation_failed found wrong.
	ValidationErrors []ValidationError
	// RetryAfter is the wait the server asked for in Retry-After (seconds or an HTTP-date),
	// on a 429 or 503; zero when it sent none.
	RetryAfter time.Duration
	// Body is a short, printable excerpt of a body that was not a MoneyKit error (an HTML
	// page from a proxy, say); empty otherwise.
	Body string
	// Attempts is how many attempts the call made (retries and a token refresh included).
	Attempts int
	// Err is the underlying cause, if any (for example a JSON decoding error).
	Err error
}

// Error prints one line: method, path, status, code and message, or the body excerpt.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("moneykit: ")
	b.WriteString(e.Method)
	b.WriteString(" /links/")
	b.WriteString(e.LinkID)
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(string(e.Code))
	} else if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" ")
		b.WriteString(t)
	}
	if msg := e.Message; msg != "" {
		if len(e.ValidationErrors) > 0 {
			msg = strings.TrimSuffix(msg, ".") // ": " and the list follow, not "Request validation failed.:"
		}
		b.WriteString(": ")
		b.WriteString(msg)
	}
	if e.LinkErrorCode != "" {
		b.WriteString(" (link_error_code ")
		b.WriteString(e.LinkErrorCode)
		b.WriteString(")")
	}
	for i, v := range e.ValidationErrors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(v.String())
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after ")
		b.WriteString(e.RetryAfter.String())
		b.WriteString(")")
	}
	if e.Attempts > 1 {
		b.WriteString(" (after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		b.WriteString(" attempts)")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Body != "" {
		b.WriteString(": body: ")
		b.WriteString(strconv.Quote(e.Body))
	}
	return b.String()
}

// Is matches the sentinel for e's Code. An answer without a MoneyKit error body (a proxy's
// or a load balancer's 429 or 401) is matched by its status: 429 matches ErrRateLimited
// and 401 matches ErrUnauthorized, which is what such an answer means whoever sent it.
func (e *Error) Is(target error) bool {
	c, ok := target.(*codeError)
	switch {
	case !ok:
		return false
	case e.Code != "":
		return c.code == e.Code
	case e.StatusCode == http.StatusTooManyRequests:
		return c.code == CodeRateLimitExceeded
	case e.StatusCode == http.StatusUnauthorized:
		return c.code == CodeUnauthorized
	}
	return false
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether the same call may succeed later unchanged: rate limits and
// server-side failures.
func (e *Error) Temporary() bool { return retryableStatus(e.StatusCode) }

// errorBody is the shape every MoneyKit error shares; fields some codes add are optional.
type errorBody struct {
	ErrorCode        string            `json:"error_code"`
	ErrorMessage     string            `json:"error_message"`
	DocumentationURL *string           `json:"documentation_url"`
	LinkErrorCode    *string           `json:"link_error_code"`
	ValidationErrors []ValidationError `json:"validation_errors"`
}

// maxExcerpt bounds Error.Body: enough to recognise a proxy's page, short enough for a log.
const maxExcerpt = 200

// excerpt makes a short, single-line, valid UTF-8 excerpt of body, with secrets removed
// (before it is cut short, so that no part of one is left).
func excerpt(body []byte, red *redactor) string {
	s := red.redact(strings.TrimSpace(string(body)))
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range s {
		if r < ' ' || r == 0x7f || r == ' ' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		if b.Len()+utf8.RuneLen(r) > maxExcerpt {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// parseRetryAfter reads Retry-After as delta-seconds or an HTTP-date, relative to now.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		const maxSecs = int64(24 * time.Hour / time.Second)
		return time.Duration(min(secs, maxSecs)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// fmtErrorf is fmt.Errorf; named so the package's error prefix stays in one place.
func fmtErrorf(format string, args ...any) error { return fmt.Errorf("moneykit: "+format, args...) }
