package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

// printer writes results: a readable summary, or JSON with --json. Errors go to stderr,
// and with --json also to stdout as one error object.
type printer struct {
	stdout, stderr io.Writer
	json           bool
	// clientCreds: the client fetches its own tokens (client credentials).
	clientCreds bool
	// red removes the credentials from all that is printed, results as well as errors: a
	// server may repeat them anywhere. nil before there are credentials.
	red *redactor
}

// maxServerText bounds one text a server sent (a message, a tag) as printed.
const maxServerText = 2000

// text makes s, which a server may have written, safe to print: one line without control
// characters (a newline or an escape sequence would let it forge output or drive the
// terminal), and without credentials.
func (p *printer) text(s string) string { return p.redact(oneLine(s, maxServerText)) }

func (p *printer) redact(s string) string {
	if p.red == nil {
		return s
	}
	return p.red.redactString(s)
}

// result prints err, or runs ok, and returns the exit code.
func (p *printer) result(cmd string, err error, ok func() error) int {
	if err == nil {
		if err := ok(); err != nil {
			return p.fail(internalFailure(fmt.Errorf("writing output: %w", err)))
		}
		return exitOK
	}
	return p.fail(p.classify(cmd, err))
}

// Kinds of failure, as --json names them; each has its exit code.
const (
	kindUsage    = "usage"
	kindAPI      = "api"
	kindNetwork  = "network"
	kindInternal = "internal"
	// kindInterrupted: a bulk run stopped by SIGINT or SIGTERM (exit 130 or 143).
	kindInterrupted = "interrupted"
)

var exitCodes = map[string]int{kindUsage: exitUsage, kindAPI: exitAPI, kindNetwork: exitNetwork, kindInternal: exitInternal}

// failure is one failed run, as the human output and the --json error object show it.
type failure struct {
	kind   string
	prefix string         // "moneykit" or "moneykit <command>"
	msg    string         // one line, without the "moneykit: " prefix
	hint   string         // what to do next; "" for nothing to say
	api    *wrapper.Error // the API's answer, for kindAPI
}

func usageFailure(cmd, format string, args ...any) *failure {
	return &failure{kind: kindUsage, prefix: strings.TrimSpace("moneykit " + cmd), msg: fmt.Sprintf(format, args...), hint: usageHint(cmd)}
}

func usageHint(cmd string) string {
	if cmd == "" {
		return "Run 'moneykit help' for usage."
	}
	return "Run 'moneykit " + cmd + " --help' for usage."
}

func internalFailure(err error) *failure {
	return &failure{kind: kindInternal, prefix: "moneykit", msg: trimPrefixes(err.Error())}
}

// trimPrefixes drops the "moneykit: " that wrapped errors repeat, so that a message reads
// "moneykit: invalid link id: empty" once prefixed.
func trimPrefixes(msg string) string {
	for {
		rest, ok := strings.CutPrefix(msg, "moneykit: ")
		if !ok {
			break
		}
		msg = rest
	}
	return strings.ReplaceAll(msg, ": moneykit: ", ": ")
}

// classify turns an error of the wrapper into a failure.
func (p *printer) classify(cmd string, err error) *failure {
	var apiErr *wrapper.Error
	switch {
	case errors.As(err, &apiErr):
		f := apiFailure(apiErr, false)
		if p.clientCreds && errors.Is(apiErr, wrapper.ErrAccessTokenExpired) {
			f.hint = "The API called a freshly fetched token expired (moneykit fetched a new one and tried again): run the command again; if it persists, ask MoneyKit."
		}
		return f
	case errors.Is(err, wrapper.ErrInvalidLinkID), errors.Is(err, wrapper.ErrInvalidWebhook), errors.Is(err, wrapper.ErrInvalidLinkTags):
		return &failure{kind: kindUsage, prefix: "moneykit", msg: trimPrefixes(err.Error()), hint: usageHint(cmd)}
	case errors.Is(err, context.Canceled):
		return &failure{kind: kindNetwork, prefix: "moneykit", msg: "interrupted",
			hint: "A request may have been sent; running the command again is safe."}
	case errors.Is(err, context.DeadlineExceeded):
		return &failure{kind: kindNetwork, prefix: "moneykit", msg: "timed out: " + trimPrefixes(err.Error()),
			hint: "Give more time with --timeout, or check the network. Running the command again is safe."}
	case errors.Is(err, wrapper.ErrTokenSource):
		if te := (*wrapper.TokenError)(nil); errors.As(err, &te) && te.StatusCode != 0 {
			// The token endpoint's answer, printed as the API's (exit 1, its status and code).
			return apiFailure(&wrapper.Error{Method: http.MethodPost, StatusCode: te.StatusCode, Code: te.Code,
				Message: te.Message, DocumentationURL: te.DocumentationURL, Body: te.Body, RetryAfter: te.RetryAfter}, true)
		}
	}
	return &failure{kind: kindNetwork, prefix: "moneykit", msg: "network error: " + trimPrefixes(err.Error()),
		hint: "No answer from the API: check the network and MONEYKIT_BASE_URL. Running the command again is safe (a repeated delete answers 410 if the first went through)."}
}

// apiFailure reports an answer of the API with the code, message and detail it sent;
// token says it is the token endpoint's.
func apiFailure(e *wrapper.Error, token bool) *failure {
	code := string(e.Code)
	if code == "" {
		code = "HTTP " + fmt.Sprint(e.StatusCode)
		if t := http.StatusText(e.StatusCode); t != "" {
			code += " " + t
		}
	}
	msg := e.Message
	switch {
	case msg == "" && e.Body != "":
		msg = "body: " + e.Body
	case msg == "" && e.Err != nil:
		msg = trimPrefixes(e.Err.Error())
	case msg == "":
		msg = "no error message"
	}
	f := &failure{kind: kindAPI, prefix: "moneykit", msg: fmt.Sprintf("%s: %s (HTTP %d)", code, msg, e.StatusCode), hint: apiHint(e), api: e}
	if token {
		f.msg = "getting an access token: " + f.msg
	}
	if token && (e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnauthorized) {
		f.hint = "The token endpoint refused the client credentials: check MONEYKIT_CLIENT_ID and MONEYKIT_CLIENT_SECRET (or --client-id and --client-secret-file)."
	}
	return f
}

// apiHint says what to do about an API error.
func apiHint(e *wrapper.Error) string {
	switch {
	case errors.Is(e, wrapper.ErrAccessTokenExpired):
		return "The access token has expired: get a new access token, or give client credentials " +
			"(MONEYKIT_CLIENT_ID and MONEYKIT_CLIENT_SECRET) so that moneykit fetches and refreshes tokens itself."
	case errors.Is(e, wrapper.ErrUnauthorized):
		return "The API refused the credentials: check MONEYKIT_ACCESS_TOKEN (or --token-file), or the client credentials, and MONEYKIT_BASE_URL."
	case errors.Is(e, wrapper.ErrUnauthorizedLinkAccess):
		return "These credentials may not access this link: use the credentials of the app that owns it."
	case errors.Is(e, wrapper.ErrForbiddenAction):
		return "The link's owner does not allow this action."
	case errors.Is(e, wrapper.ErrNotFound):
		return "Check the link id; a link deleted over 90 days ago is gone."
	case errors.Is(e, wrapper.ErrLinkDeleted):
		return "The link is already deleted; nothing more to do."
	case errors.Is(e, wrapper.ErrBadState):
		return fmt.Sprintf("The link's state forbids this change (link_error_code %s): its user must repair it first, "+
			"for example reconnect it in your app; then run the command again.", e.LinkErrorCode)
	case errors.Is(e, wrapper.ErrValidationFailed):
		return "The API refused the request's values: fix what the validation errors name."
	case errors.Is(e, wrapper.ErrRateLimited) && e.RetryAfter > 0:
		return fmt.Sprintf("Rate limited: wait %s, then run the command again; for many links use 'moneykit bulk', which keeps to the limit.", e.RetryAfter)
	case errors.Is(e, wrapper.ErrRateLimited):
		return "Rate limited: wait a minute, then run the command again; for many links use 'moneykit bulk', which keeps to the limit."
	case errors.Is(e, wrapper.ErrMalformedResponse):
		return "The answer could not be read, so whether the change was made is unknown; running the command again is safe."
	case e.StatusCode >= 300 && e.StatusCode < 400:
		return "The API answered with a redirect, which moneykit does not follow: check MONEYKIT_BASE_URL."
	case e.StatusCode >= 500:
		return "MoneyKit had a problem: run the command again later."
	}
	return ""
}

// fail prints f (on stderr, and with --json as one object on stdout) and returns its
// exit code.
func (p *printer) fail(f *failure) int {
	code := exitCodes[f.kind]
	// The message and hint quote the server (its error_message, a body excerpt, a
	// link_error_code), as do the lines below: each is printed as one clean line.
	f.msg, f.hint = p.text(f.msg), p.text(f.hint)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", f.prefix, f.msg)
	if e := f.api; e != nil {
		if e.LinkErrorCode != "" {
			fmt.Fprintf(&b, "  link_error_code: %s\n", p.text(e.LinkErrorCode))
		}
		for _, v := range e.ValidationErrors {
			fmt.Fprintf(&b, "  %s\n", p.text(v.String()))
		}
		if e.RetryAfter > 0 {
			fmt.Fprintf(&b, "  retry after %s\n", e.RetryAfter)
		}
		if e.DocumentationURL != "" {
			fmt.Fprintf(&b, "  documentation: %s\n", p.text(e.DocumentationURL))
		}
	}
	if f.hint != "" {
		fmt.Fprintln(&b, f.hint)
	}
	io.WriteString(p.stderr, b.String())
	if p.json {
		p.writeJSON(map[string]any{"error": errorObject(f, code)})
	}
	return code
}

// errorJSON is the --json error object. Every key is always present; null when it does
// not apply.
type errorJSON struct {
	Kind              string                    `json:"kind"`
	ExitCode          int                       `json:"exit_code"`
	Message           string                    `json:"message"`
	Hint              *string                   `json:"hint"`
	Status            *int                      `json:"status"`
	ErrorCode         *string                   `json:"error_code"`
	ErrorMessage      *string                   `json:"error_message"`
	LinkErrorCode     *string                   `json:"link_error_code"`
	DocumentationURL  *string                   `json:"documentation_url"`
	RetryAfterSeconds *float64                  `json:"retry_after_seconds"`
	ValidationErrors  []wrapper.ValidationError `json:"validation_errors"`
}

func errorObject(f *failure, code int) errorJSON {
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	j := errorJSON{Kind: f.kind, ExitCode: code, Message: f.msg, Hint: str(f.hint), ValidationErrors: []wrapper.ValidationError{}}
	if e := f.api; e != nil {
		status := e.StatusCode
		j.Status = &status
		j.ErrorCode, j.ErrorMessage = str(string(e.Code)), str(e.Message)
		j.LinkErrorCode, j.DocumentationURL = str(e.LinkErrorCode), str(e.DocumentationURL)
		if e.RetryAfter > 0 {
			secs := e.RetryAfter.Seconds()
			j.RetryAfterSeconds = &secs
		}
		if e.ValidationErrors != nil {
			j.ValidationErrors = e.ValidationErrors
		}
	}
	return j
}

// writeJSON prints v as indented JSON, without credentials. The JSON's control characters
// are escaped by the encoding.
func (p *printer) writeJSON(v any) error {
	b, err := encodeJSON(v)
	if err != nil {
		return err
	}
	clean := []byte(p.redact(string(b)))
	if !json.Valid(clean) {
		// A secret that matched JSON's own punctuation: redact the values one by one
		// instead (the keys come out sorted).
		var tree any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&tree); err != nil {
			return err
		}
		if clean, err = encodeJSON(p.redactValues(tree)); err != nil {
			return err
		}
	}
	_, err = p.stdout.Write(clean)
	return err
}

func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	return b.Bytes(), err
}

// redactValues redacts every string (and key) of a decoded JSON value.
func (p *printer) redactValues(v any) any {
	switch v := v.(type) {
	case string:
		return p.redact(v)
	case []any:
		for i := range v {
			v[i] = p.redactValues(v[i])
		}
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[p.redact(k)] = p.redactValues(e)
		}
		return m
	}
	return v
}

// link prints a link under heading ("Updated link"), or with --json the link itself.
func (p *printer) link(heading string, l *wrapper.Link) error {
	if p.json {
		return p.writeJSON(l)
	}
	// Every value is the server's: each is printed as one clean line.
	hook := "(none)"
	if v, err := l.Webhook.Get(); err == nil {
		hook = p.text(v)
	}
	tags := "(none)"
	if l.LinkTags != nil && len(*l.LinkTags) > 0 {
		clean := make([]string, len(*l.LinkTags))
		for i, t := range *l.LinkTags {
			clean[i] = p.text(t)
		}
		tags = strings.Join(clean, ", ")
	}
	provider := ""
	if l.Provider != "" {
		provider = ", via " + p.text(string(l.Provider))
	}
	_, err := fmt.Fprintf(p.stdout, "%s %s (%s, %s%s)\n  webhook:   %s\n  link_tags: %s\n",
		heading, p.text(l.LinkID), p.text(l.InstitutionName), p.text(string(l.State)), provider, hook, tags)
	return err
}

// bulkJSON prints a bulk run's --json object: its summary and, when the run failed (code
// is not 0), the error object too, whose message is what the run said on stderr (msg).
func (p *printer) bulkJSON(sum wrapper.BulkSummary, code int, msg string, err error) {
	v := map[string]any{"done": sum.Done, "failed": sum.Failed, "duplicate": sum.Duplicate, "skipped": sum.Skipped,
		"not_attempted": sum.NotAttempted, "cancelled": sum.Cancelled, "rate_limited": sum.RateLimited, "elapsed_seconds": sum.Elapsed.Seconds()}
	if code != exitOK {
		f := &failure{kind: kindInterrupted, prefix: "moneykit bulk", msg: msg}
		for kind, c := range exitCodes {
			if c == code {
				f.kind = kind
			}
		}
		if _, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "moneykit") {
			f.msg = rest
		}
		f.msg = p.text(f.msg)
		if f.msg == "" {
			f.msg = fmt.Sprintf("%d ids failed (each is listed on stderr)", sum.Failed)
		}
		var apiErr *wrapper.Error
		if f.kind == kindAPI && errors.As(err, &apiErr) {
			f.api = apiErr
		}
		v["error"] = errorObject(f, code)
	}
	p.writeJSON(v)
}

func (p *printer) deleted(id string) error {
	if p.json {
		return p.writeJSON(map[string]any{"link_id": id, "deleted": true})
	}
	_, err := fmt.Fprintf(p.stdout, "Deleted link %s\n", p.text(id))
	return err
}
