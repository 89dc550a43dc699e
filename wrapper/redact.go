package wrapper

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/halyard-labs/moneykit-go/internal/secrets"
)

// redacted replaces a secret wherever server-supplied text repeats it.
const redacted = "[REDACTED]"

// redactor removes secrets from text a server sent (an error message, a body excerpt, a
// redirect target), in every form internal/secrets lists. The forms are worked out once,
// when the secrets are known; a nil redactor changes nothing.
type redactor struct{ r *strings.Replacer }

// newRedactor returns a redactor for secret, tokens and, when clientID is set, the Basic
// credentials of clientID with secret.
func newRedactor(clientID, secret string, tokens ...string) *redactor {
	forms := secrets.BasicForms(clientID, secret)
	for _, s := range append([]string{secret}, tokens...) {
		forms = append(forms, secrets.Forms(s)...)
	}
	if len(forms) == 0 {
		return nil
	}
	// Longest first: the Replacer prefers earlier arguments, and a form must not be cut by
	// a shorter one that is its prefix.
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	forms = slices.Compact(forms)
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, redacted)
	}
	return &redactor{r: strings.NewReplacer(pairs...)}
}

// redact returns s without secrets.
func (r *redactor) redact(s string) string {
	if r == nil || s == "" {
		return s
	}
	return r.r.Replace(s)
}

// redactError removes secrets from every field of e that holds server text, and returns e.
// It also gives every validation location element the type ValidationError documents.
func (r *redactor) redactError(e *Error) *Error {
	for i := range e.ValidationErrors {
		for j, l := range e.ValidationErrors[i].Location {
			e.ValidationErrors[i].Location[j] = redactLocationElem(l, r)
		}
	}
	if r == nil {
		return e
	}
	switch e.Code {
	case CodeAccessTokenExpired, CodeUnauthorized, CodeUnauthorizedLinkAccess, CodeValidationFailed,
		CodeForbiddenAction, CodeNotFound, CodeLinkDeleted, CodeBadState, CodeRateLimitExceeded:
		// A documented code is the API's own word, whatever a weak token looks like.
	default:
		e.Code = Code(r.redact(string(e.Code)))
	}
	e.Message = r.redact(e.Message)
	e.DocumentationURL = r.redact(e.DocumentationURL)
	e.LinkErrorCode = r.redact(e.LinkErrorCode)
	e.Body = r.redact(e.Body)
	for i := range e.ValidationErrors {
		v := &e.ValidationErrors[i]
		v.Message, v.Type = r.redact(v.Message), r.redact(v.Type)
	}
	e.Err = r.error(e.Err)
	return e
}

// redactLocationElem returns a validation error's location element without secrets: a
// number as it is, a string redacted, and any other JSON value (an object, a list) as its
// JSON text, redacted, so that no element prints a secret.
func redactLocationElem(l any, r *redactor) any {
	switch l := l.(type) {
	case float64, json.Number:
		return l
	case string:
		return r.redact(l)
	}
	b, err := json.Marshal(l)
	if err != nil {
		return redacted // not a decoded JSON value: nothing to show safely
	}
	return r.redact(string(b))
}

// error returns err, or, when its text holds a secret (net/http quotes a malformed header
// line, time.Parse a bad value), an error with the redacted text that still matches the
// package's sentinels and the context's errors. The original is dropped: it would still
// print the secret.
func (r *redactor) error(err error) error {
	if r == nil || err == nil {
		return err
	}
	msg := err.Error()
	clean := r.redact(msg)
	if clean == msg {
		return err
	}
	e := &redactedError{msg: clean}
	for _, s := range []error{context.Canceled, context.DeadlineExceeded, ErrTokenSource, ErrResponseTooLarge, ErrMalformedResponse} {
		if errors.Is(err, s) {
			e.is = append(e.is, s)
		}
	}
	return e
}

// redactedError is an error whose text held a secret.
type redactedError struct {
	msg string
	is  []error
}

func (e *redactedError) Error() string        { return e.msg }
func (e *redactedError) Is(target error) bool { return slices.Contains(e.is, target) }
