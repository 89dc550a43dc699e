package moneykittest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	fk "github.com/halyard-labs/moneykit-go/moneykittest/internal/fakeapi"
)

// maxRequestBody bounds what the fake reads: a webhook is at most 65536 characters.
const maxRequestBody = 1 << 20

// ServeHTTP records the request, applies an injected fault if one is due, and otherwise
// answers as the API would, with the answer checked against the spec.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	r.Body = io.NopCloser(bytes.NewReader(body))
	idx := f.record(r, body)
	if err != nil {
		f.setStatus(idx, http.StatusRequestEntityTooLarge)
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if fault := f.takeFault(r.Method); fault != nil {
		f.setStatus(idx, f.applyFault(w, r, fault))
		return
	}
	rec := f.answer(r)
	rec.writeTo(w)
	f.setStatus(idx, rec.status)
}

func (f *Fake) record(r *http.Request, body []byte) int {
	h := r.Header.Clone()
	if a := h.Get("Authorization"); a != "" {
		scheme, _, _ := strings.Cut(a, " ")
		h.Set("Authorization", scheme+" [REDACTED]")
	}
	if h.Get("X-Client-Secret") != "" {
		h.Set("X-Client-Secret", "[REDACTED]")
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
		body = redactForm(body)
	}
	id := ""
	if rest, ok := strings.CutPrefix(r.URL.Path, "/links/"); ok {
		id = rest
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, Request{Time: f.now(), Method: r.Method, Path: r.URL.EscapedPath(), LinkID: id, Header: h, Body: body})
	return len(f.requests) - 1
}

// redactForm replaces the value of every client_secret field of a form body, keeping the
// rest as sent.
func redactForm(body []byte) []byte {
	fields := strings.Split(string(body), "&")
	changed := false
	for i, kv := range fields {
		k, _, _ := strings.Cut(kv, "=")
		if name, err := url.QueryUnescape(k); err == nil && name == "client_secret" {
			fields[i] = k + "=" + url.QueryEscape("[REDACTED]")
			changed = true
		}
	}
	if !changed {
		return body
	}
	return []byte(strings.Join(fields, "&"))
}

func (f *Fake) setStatus(idx, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if idx < len(f.requests) {
		f.requests[idx].Status = status
	}
}

// answer produces the API's answer to r in a buffer, and checks it against the spec.
func (f *Fake) answer(r *http.Request) *recorder {
	rec := newRecorder()
	ctx := r.Context()
	in, verr := f.validator.ValidateRequest(ctx, r)
	if in == nil { // no such operation
		writeJSON(rec, http.StatusNotFound, map[string]string{"error_code": "api_error.not_found", "error_message": "Not found."})
		return rec
	}
	isToken := r.URL.Path == "/auth/token" // it authenticates in its own way
	switch {
	case !isToken && !f.authenticate(rec, r):
	case verr != nil:
		writeBadRequest(rec, r, verr)
	default:
		f.strict.ServeHTTP(rec, r.WithContext(context.WithValue(ctx, requestKey{}, r)))
	}
	if err := f.validator.ValidateResponse(ctx, in, rec.status, rec.header, rec.body.Bytes()); err != nil {
		f.violation(err)
		failed := newRecorder()
		writeJSON(failed, http.StatusInternalServerError, map[string]string{
			"error_code":    "api_error.internal",
			"error_message": "moneykittest: the fake's answer broke openapi.yaml: " + err.Error(),
		})
		return failed
	}
	return rec
}

func (f *Fake) violation(err error) {
	f.mu.Lock()
	f.violations = append(f.violations, err)
	fn := f.onViolation
	f.mu.Unlock()
	if fn != nil {
		fn(err)
	}
}

// requestDecodeError answers a request the generated code could not decode (spec
// validation normally catches it first).
func (f *Fake) requestDecodeError(w http.ResponseWriter, r *http.Request, err error) {
	writeBadRequest(w, r, err)
}

// writeBadRequest answers a request that breaks the spec as MoneyKit does: 400
// api_error.auth.unauthorized at POST /auth/token (the spec lists no 422 there), 422
// validation_failed elsewhere. The token answer names no value: the form holds a secret.
func writeBadRequest(w http.ResponseWriter, r *http.Request, err error) {
	if r.URL.Path == "/auth/token" {
		writeJSON(w, http.StatusBadRequest, unauthorizedBody("Unsupported grant type or malformed token request."))
		return
	}
	writeValidationFailed(w, err)
}

func (f *Fake) internalError(w http.ResponseWriter, _ *http.Request, err error) {
	writeJSON(w, http.StatusInternalServerError, map[string]string{"error_code": "api_error.internal", "error_message": err.Error()})
}

// writeValidationFailed answers 422 api_error.request.validation_failed, with one entry
// per problem kin-openapi found: where (["body", "webhook"]), what, and a type.
func writeValidationFailed(w http.ResponseWriter, err error) {
	items := validationItems(err)
	if len(items) == 0 {
		items = []fk.ValidationErrorItem{item([]string{"body"}, err.Error(), "value_error")}
	}
	var u fk.UnprocessableError
	if e := u.FromValidationFailedError(fk.ValidationFailedError{
		ErrorCode:        fk.ValidationFailedErrorErrorCodeAPIErrorRequestValidationFailed,
		ErrorMessage:     "Request validation failed.",
		DocumentationURL: ptrString(docsURL),
		ValidationErrors: items,
	}); e != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error_code": "api_error.internal", "error_message": e.Error()})
		return
	}
	writeJSON(w, http.StatusUnprocessableEntity, u)
}

func item(loc []string, msg, typ string) fk.ValidationErrorItem {
	it := fk.ValidationErrorItem{Message: msg, Type: typ}
	for _, l := range loc {
		var li fk.ValidationErrorItem_Location_Item
		// JSON pointers hold list indexes as digits; MoneyKit sends them as numbers.
		if i, err := strconv.Atoi(l); err == nil && i >= 0 && strconv.Itoa(i) == l {
			li.FromValidationErrorItemLocation1(i)
		} else {
			li.FromValidationErrorItemLocation0(l)
		}
		it.Location = append(it.Location, li)
	}
	return it
}

func validationItems(err error) []fk.ValidationErrorItem {
	var out []fk.ValidationErrorItem
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		for _, e := range multi {
			out = append(out, validationItems(e)...)
		}
		return out
	}
	var reqErr *openapi3filter.RequestError
	if !errors.As(err, &reqErr) {
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			return []fk.ValidationErrorItem{schemaItem([]string{"body"}, se)}
		}
		return nil
	}
	where := []string{"body"}
	if reqErr.Parameter != nil {
		where = []string{reqErr.Parameter.In, reqErr.Parameter.Name}
	}
	var inner openapi3.MultiError
	if errors.As(reqErr.Err, &inner) {
		for _, e := range inner {
			var se *openapi3.SchemaError
			if errors.As(e, &se) {
				out = append(out, schemaItem(where, se))
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	var se *openapi3.SchemaError
	if errors.As(reqErr.Err, &se) {
		return []fk.ValidationErrorItem{schemaItem(where, se)}
	}
	var pe *openapi3filter.ParseError
	if errors.As(reqErr.Err, &pe) {
		return []fk.ValidationErrorItem{item(where, "invalid JSON: "+pe.Reason, "value_error.jsondecode")}
	}
	msg := reqErr.Reason
	if msg == "" && reqErr.Err != nil {
		msg = reqErr.Err.Error()
	}
	return []fk.ValidationErrorItem{item(where, msg, "value_error")}
}

// schemaItem names a schema error the way MoneyKit's pydantic-based API does.
func schemaItem(where []string, se *openapi3.SchemaError) fk.ValidationErrorItem {
	typ := "value_error"
	switch se.SchemaField {
	case "type":
		typ = "type_error"
		if se.Schema != nil && se.Schema.Type != nil && len(*se.Schema.Type) == 1 {
			typ += "." + (*se.Schema.Type)[0]
		}
	case "nullable":
		typ = "type_error.none.not_allowed"
	case "format":
		typ = "value_error." + se.Schema.Format
	case "maxLength":
		typ = "value_error.any_str.max_length"
	case "minLength":
		typ = "value_error.any_str.min_length"
	case "enum":
		typ = "type_error.enum"
	case "required":
		typ = "value_error.missing"
	}
	return item(append(append([]string{}, where...), se.JSONPointer()...), se.Reason, typ)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error_code":"api_error.internal","error_message":"encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// recorder buffers an answer so it can be checked before it is sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func (r *recorder) writeTo(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	if r.status == 0 {
		r.status = http.StatusOK
	}
	w.WriteHeader(r.status)
	w.Write(r.body.Bytes())
}
