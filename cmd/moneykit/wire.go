package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/halyard-labs/moneykit-go/internal/secrets"
)

// redactor replaces secrets with [REDACTED], in every form internal/secrets lists (raw,
// escaped, quoted, base64, as HTTP Basic credentials). It learns the tokens that token
// answers hand out. It is safe for concurrent use.
type redactor struct {
	mu      sync.Mutex
	secrets []string // longest first, so that no form is cut by a shorter one inside it
}

func (r *redactor) add(values ...string) {
	for _, s := range values {
		r.addForms(secrets.Forms(s))
	}
}

// addBasic adds the HTTP Basic credentials of id and secret.
func (r *redactor) addBasic(id, secret string) { r.addForms(secrets.BasicForms(id, secret)) }

func (r *redactor) addForms(forms []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range forms {
		if !slices.Contains(r.secrets, v) {
			r.secrets = append(r.secrets, v)
		}
	}
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

func (r *redactor) redact(b []byte) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.secrets {
		b = bytes.ReplaceAll(b, []byte(s), []byte("[REDACTED]"))
	}
	return b
}

func (r *redactor) redactString(s string) string { return string(r.redact([]byte(s))) }

// learn adds the secrets a body carries: the tokens of a token answer, the client secret
// of a token request's form. It reads every format x/oauth2 takes a token answer in
// (JSON, whose keys Go matches in any case, and a form, which it reads when the answer
// is form-encoded or text/plain), whatever the Content-Type says: learning too much hides
// nothing that should show.
func (r *redactor) learn(body []byte) {
	body = bytes.TrimSpace(body)
	secretKeys := []string{"access_token", "refresh_token", "id_token", "client_secret"}
	var fields map[string]any
	if json.Unmarshal(body, &fields) == nil {
		for k, v := range fields {
			if s, ok := v.(string); ok && slices.ContainsFunc(secretKeys, func(sk string) bool { return strings.EqualFold(k, sk) }) {
				r.add(s)
			}
		}
	}
	// A form, read leniently: url.ParseQuery drops a pair it cannot decode (a stray %zz,
	// a ;), and a dropped pair may be the one that holds the secret.
	for _, pair := range strings.FieldsFunc(string(body), func(c rune) bool { return c == '&' || c == ';' }) {
		k, v, _ := strings.Cut(pair, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if !slices.ContainsFunc(secretKeys, func(sk string) bool { return strings.EqualFold(k, sk) }) {
			continue
		}
		r.add(v)
		if uv, err := url.QueryUnescape(v); err == nil {
			r.add(uv)
		}
	}
}

// learnHeaders adds the credentials of a request's headers: the value of an
// Authorization header after its scheme, and a Basic password decoded.
func (r *redactor) learnHeaders(h http.Header) {
	for _, name := range sensitiveHeaders {
		for _, v := range h.Values(name) {
			scheme, cred, ok := strings.Cut(strings.TrimSpace(v), " ")
			if !ok || !strings.HasSuffix(name, "Authorization") {
				cred = v
			}
			r.add(strings.TrimSpace(cred))
			if strings.EqualFold(scheme, "Basic") {
				if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred)); err == nil {
					if _, pw, ok := strings.Cut(string(b), ":"); ok {
						r.add(pw)
						if u, err := url.QueryUnescape(pw); err == nil {
							r.add(u)
						}
					}
				}
			}
		}
	}
}

// sensitiveHeaders are printed with their value redacted, whatever it is.
var sensitiveHeaders = []string{"Authorization", "Proxy-Authorization", "X-Client-Secret", "Cookie", "Set-Cookie"}

// redactHeaders hides the values of sensitiveHeaders in a dump's header lines; an
// Authorization value keeps its scheme ("Bearer [REDACTED]").
func redactHeaders(head []byte) []byte {
	lines := bytes.Split(head, []byte("\r\n"))
	for i, line := range lines {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !slices.ContainsFunc(sensitiveHeaders, func(h string) bool { return strings.EqualFold(h, string(name)) }) {
			continue
		}
		scheme := ""
		if strings.HasSuffix(strings.ToLower(string(name)), "authorization") {
			if s, _, ok := strings.Cut(strings.TrimSpace(string(value)), " "); ok {
				scheme = s + " "
			}
		}
		lines[i] = []byte(string(name) + ": " + scheme + "[REDACTED]")
	}
	return bytes.Join(lines, []byte("\r\n"))
}

// maxLoggedBody bounds what -v prints of a body; the rest is passed on unprinted.
const maxLoggedBody = 1 << 20

// wireLogger prints each request and response as sent and received, for -v and the demo,
// with credentials and tokens redacted.
type wireLogger struct {
	base http.RoundTripper
	w    io.Writer
	red  *redactor
	mu   sync.Mutex
}

func (l *wireLogger) RoundTrip(req *http.Request) (*http.Response, error) {
	dump, err := httputil.DumpRequestOut(req, true)
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	l.red.learnHeaders(req.Header)
	if _, body, ok := bytes.Cut(dump, []byte("\r\n\r\n")); ok {
		l.red.learn(body)
	}
	l.print("> ", dump)
	resp, err := l.base.RoundTrip(req)
	if err != nil {
		l.print("! ", []byte(err.Error()))
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxLoggedBody))
	if err != nil {
		resp.Body.Close()
		l.print("! ", []byte(err.Error()))
		return nil, err
	}
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
	l.red.learn(body) // before printing: the answer may carry a token
	head, err := httputil.DumpResponse(resp, false)
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	l.print("< ", append(bytes.TrimRight(head, "\r\n"), append([]byte("\r\n\r\n"), body...)...))
	return resp, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

func (l *wireLogger) print(prefix string, b []byte) {
	b = l.red.redact(b)
	head, body, hasBody := bytes.Cut(b, []byte("\r\n\r\n"))
	head = redactHeaders(head)
	// Indent a JSON body so that a reader can follow it.
	if hasBody && len(body) > 0 && json.Valid(body) {
		var ind bytes.Buffer
		if json.Indent(&ind, body, "", "  ") == nil {
			body = ind.Bytes()
		}
	}
	if hasBody {
		b = append(append(head, "\r\n\r\n"...), body...)
	} else {
		b = head
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.Split(strings.TrimRight(string(b), "\r\n"), "\n") {
		fmt.Fprintf(l.w, "%s%s\n", prefix, strings.TrimRight(line, "\r"))
	}
	fmt.Fprintln(l.w)
}

// oneLine makes s printable on one line of at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
