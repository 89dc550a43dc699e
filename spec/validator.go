package spec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Validator checks HTTP requests and responses against the embedded spec with
// kin-openapi's openapi3filter. It is safe for concurrent use.
type Validator struct {
	router   routers.Router
	opts     *openapi3filter.Options
	basePath string
}

// WithBasePath returns a copy of v for an API mounted below path (for example "/v1"): the
// prefix is removed before a request is matched to an operation.
func (v *Validator) WithBasePath(path string) *Validator {
	c := *v
	c.basePath = strings.TrimSuffix(path, "/")
	return &c
}

// ListedStatusesOnly returns a copy of v whose ValidateResponse also fails a status the
// operation does not list. It is for a server checking its own answers (the fake): a
// client's check (Transport) must let a proxy's 502 or an injected fault through.
func (v *Validator) ListedStatusesOnly() *Validator {
	c := *v
	opts := *v.opts
	opts.IncludeResponseStatus = true
	c.opts = &opts
	return &c
}

// NewValidator loads the spec (see Load) and builds a router and validation options on it.
func NewValidator(ctx context.Context) (*Validator, error) {
	doc, err := Load(ctx)
	if err != nil {
		return nil, err
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("spec: build router: %w", err)
	}
	return &Validator{
		router: router,
		opts: &openapi3filter.Options{
			AuthenticationFunc:      checkAuth,
			SchemaValidationOptions: SchemaOptions(),
			MultiError:              true,
		},
	}, nil
}

// checkAuth accepts a request that carries credentials in the form the security scheme
// names. Whether the credentials are good is the server's business, not the spec's.
func checkAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecurityScheme == nil {
		return errors.New("no security scheme")
	}
	s := in.SecurityScheme
	h := in.RequestValidationInput.Request.Header
	switch {
	case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
		scheme, token, ok := strings.Cut(h.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return errors.New("missing bearer token")
		}
	case s.Type == "http" && strings.EqualFold(s.Scheme, "basic"):
		if _, _, ok := in.RequestValidationInput.Request.BasicAuth(); !ok {
			return errors.New("missing basic credentials")
		}
	case s.Type == "apiKey" && s.In == "header":
		if h.Get(s.Name) == "" {
			return fmt.Errorf("missing %s header", s.Name)
		}
	default:
		return fmt.Errorf("unsupported security scheme %q", s.Type)
	}
	return nil
}

// Input is a request matched to its operation, ready for response validation.
type Input = openapi3filter.RequestValidationInput

// ValidateRequest finds req's operation and validates the request against it. The body is
// read and put back, so req can still be sent or served.
func (v *Validator) ValidateRequest(ctx context.Context, req *http.Request) (*Input, error) {
	// Route on the escaped path: an id holding "%2F" is one segment, as the server sees it.
	path := req.URL.EscapedPath()
	if v.basePath != "" {
		if !strings.HasPrefix(path, v.basePath+"/") {
			return nil, fmt.Errorf("spec: %s %s: outside the base path %s", req.Method, path, v.basePath)
		}
		path = strings.TrimPrefix(path, v.basePath)
	}
	orig, u := req.URL, *req.URL
	u.Path, u.RawPath = path, ""
	req.URL = &u
	defer func() { req.URL = orig }()
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return nil, fmt.Errorf("spec: %s %s: no such operation: %w", req.Method, req.URL.EscapedPath(), err)
	}
	in := &Input{Request: req, PathParams: params, Route: route, Options: v.opts}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		return in, fmt.Errorf("spec: %s %s: request breaks openapi.yaml: %w", req.Method, route.Path, err)
	}
	return in, nil
}

// ValidateResponse validates a response to the request in `in`. Statuses the spec does not
// list (a proxy's 502, say) pass, unless v is ListedStatusesOnly: for a client they are
// outside the contract, not a breach of it.
func (v *Validator) ValidateResponse(ctx context.Context, in *Input, status int, header http.Header, body []byte) error {
	err := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                v.opts,
	})
	if err != nil {
		return fmt.Errorf("spec: %s %s: %d response breaks openapi.yaml: %w", in.Request.Method, in.Route.Path, status, err)
	}
	return nil
}

// Transport returns an http.RoundTripper that validates every request before sending it
// through base and every response after, and reports each breach to fail (in tests,
// t.Errorf). A request that breaks the spec is not sent; its round trip fails.
func (v *Validator) Transport(base http.RoundTripper, fail func(error)) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{v: v, base: base, fail: fail}
}

type transport struct {
	v    *Validator
	base http.RoundTripper
	fail func(error)
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	// Validate a copy: validation replaces the body, and a RoundTripper must not modify req.
	r := req.Clone(ctx)
	in, err := t.v.ValidateRequest(ctx, r)
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		t.fail(err)
		return nil, err
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		// The body broke off (a fault under test): hand back what arrived and the error.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
		return resp, nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := t.v.ValidateResponse(ctx, in, resp.StatusCode, resp.Header, body); err != nil {
		t.fail(err)
	}
	return resp, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
