package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/halyard-labs/moneykit-go/spec"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

const specCheckUsage = `Usage: moneykit spec-check <link-id> [--delete <link-id>] [--json] [flags]

Asks the configured MoneyKit API to update <link-id> with an empty body ({} changes
nothing) and checks the answer (status, headers, body) against openapi.yaml: fields the
API sent that the spec lacks, fields the spec requires that the API left out, enum values
the spec does not list, wrong types and formats, a status or Content-Type the spec does
not declare. With --delete it also deletes the link named there, which must be one you
can lose, and checks that answer. Exit 0: the answers conform; 1: they drift, or the API
answered with an error; 2: usage error (no credentials among them: it never uses the
embedded fake); 3: network error.

Flags:
`

// checkResult is what spec-check found about one operation.
type checkResult struct {
	Operation string  `json:"operation"`
	LinkID    string  `json:"link_id"`
	Status    int     `json:"status"`
	Conforms  bool    `json:"conforms"`
	Drift     []drift `json:"drift"`
	// Error says why the check could not be made, when the API answered with an error
	// (which may itself conform) instead of the success the check needs.
	Error string `json:"error,omitempty"`
}

// maxCheckedBody bounds what spec-check reads of an answer.
const maxCheckedBody = 1 << 20

func runSpecCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	const cmd = "spec-check"
	o := &opts{cmd: cmd}
	fs := flag.NewFlagSet("moneykit "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed below, naming the command
	fs.Usage = func() {}
	var deleteID string
	fs.StringVar(&deleteID, "delete", "", "also delete the link with this `id` and check the answer (it is gone for good: name a disposable link)")
	fs.BoolVar(&o.json, "json", false, "print the findings as JSON on stdout, failures included")
	o.connectionFlags(fs)
	fs.BoolVar(&o.verbose, "v", false, "print each HTTP request and response on stderr (credentials and tokens redacted)")
	pos, code, ok := parseFlags(cmd, fs, args, specCheckUsage, stdout, stderr)
	if !ok {
		return code
	}
	out := o.printer(stdout, stderr)
	base := o.baseURL
	if base == "" {
		base = getenv("MONEYKIT_BASE_URL")
	}
	switch {
	case len(pos) == 0:
		return out.fail(usageFailure(cmd, "missing <link-id>"))
	case len(pos) > 1:
		return out.fail(usageFailure(cmd, "unexpected argument %q", pos[1]))
	case deleteID != "" && deleteID == pos[0]:
		return out.fail(usageFailure(cmd, "--delete names the link to update; name a different, disposable link"))
	case o.timeout <= 0:
		return out.fail(usageFailure(cmd, "--timeout must be positive"))
	case base == "fake":
		// The shared resolver would start the embedded fake: checking it proves nothing.
		return out.fail(usageFailure(cmd, "it checks a real API, never the embedded fake; to check the fake, run 'moneykit serve' and point MONEYKIT_BASE_URL at it"))
	}

	checker, err := newSpecChecker(ctx)
	if err != nil {
		return out.fail(internalFailure(err))
	}
	capture := &captureTransport{base: http.DefaultTransport, v: checker.v, red: checker.red}
	o.transport = capture
	c, cleanup, code := o.client(getenv, stdout, stderr)
	if code != exitOK {
		return code
	}
	defer cleanup()
	out = o.printer(stdout, stderr) // now it knows the token endpoint's refusals
	if p := strings.TrimSuffix(urlPath(c.BaseURL()), "/"); p != "" {
		capture.v = checker.v.WithBasePath(p)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	var results []checkResult
	_, err = c.UpdateLink(ctx, pos[0], wrapper.UpdateParams{})
	ex := capture.last(http.MethodPatch)
	if ex == nil {
		return out.fail(out.classify(cmd, noAnswer(err)))
	}
	results = append(results, checker.result(http.MethodPatch, pos[0], ex))
	if deleteID != "" {
		err = c.DeleteLink(ctx, deleteID)
		ex := capture.last(http.MethodDelete)
		if ex == nil {
			return out.fail(out.classify(cmd, noAnswer(err)))
		}
		results = append(results, checker.result(http.MethodDelete, deleteID, ex))
	}
	scrubResults(results, capture.red)
	if err := printCheck(stdout, results, o.json); err != nil {
		return out.fail(internalFailure(fmt.Errorf("writing output: %w", err)))
	}
	for _, r := range results {
		if !r.Conforms {
			return exitAPI
		}
	}
	return exitOK
}

// noAnswer is the error of a call that got no answer to check; never nil.
func noAnswer(err error) error {
	if err == nil {
		return errors.New("no answer was captured")
	}
	return err
}

// urlPath is the path of a base URL, the prefix the API is mounted below ("" if none).
func urlPath(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Path
}

// exchange is one request as sent and its answer as received.
type exchange struct {
	in     *spec.Input
	status int
	header http.Header
	body   []byte
	err    error // the request broke the spec, or the body could not be read
}

// captureTransport keeps the raw answer of the last request of each method, which the
// wrapper would otherwise decode into its own types and drop what it does not know.
type captureTransport struct {
	base http.RoundTripper
	v    *spec.Validator
	red  *redactor // learns the credentials sent and the tokens received, to scrub the report
	mu   sync.Mutex
	seen map[string]*exchange
}

func (t *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(b)
			b.Close()
		}
	}
	// Match the request to its operation on a copy, as it goes out.
	vr := req.Clone(req.Context())
	vr.Body = io.NopCloser(bytes.NewReader(reqBody))
	in, reqErr := t.v.ValidateRequest(req.Context(), vr)
	t.red.learnHeaders(req.Header)
	t.red.learn(reqBody)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCheckedBody+1))
	resp.Body.Close()
	t.red.learn(body) // a token answer
	if in == nil {
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	if err == nil && len(body) > maxCheckedBody {
		err = fmt.Errorf("the answer is over %d bytes", maxCheckedBody)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	ex := &exchange{in: in, status: resp.StatusCode, header: resp.Header.Clone(), body: body, err: errors.Join(reqErr, err)}
	t.mu.Lock()
	if t.seen == nil {
		t.seen = map[string]*exchange{}
	}
	t.seen[req.Method] = ex
	t.mu.Unlock()
	return resp, nil
}

func (t *captureTransport) last(method string) *exchange {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seen[method]
}

// specChecker compares answers with openapi.yaml: kin-openapi's response validation
// (status, headers, Content-Type, body), plus the body against a strict copy of the spec in
// which objects allow no properties they do not declare.
type specChecker struct {
	v      *spec.Validator
	strict *openapi3.T
	red    *redactor // the credentials and tokens the run has seen, kept out of details
}

func newSpecChecker(ctx context.Context) (*specChecker, error) {
	v, err := spec.NewValidator(ctx)
	if err != nil {
		return nil, err
	}
	strict, err := spec.Load(ctx) // a fresh copy of its own, which closeSchemas may change
	if err != nil {
		return nil, err
	}
	closeSchemas(strict)
	return &specChecker{v: v, strict: strict, red: &redactor{}}, nil
}

// result turns one exchange into a checkResult.
func (c *specChecker) result(method, id string, ex *exchange) checkResult {
	r := checkResult{Operation: method + " " + ex.in.Route.Path, LinkID: id, Status: ex.status, Drift: c.check(context.Background(), ex)}
	if ex.err != nil {
		r.Error = ex.err.Error()
	} else if want := successStatus(method); !slices.Contains(want, ex.status) {
		r.Error = fmt.Sprintf("the API answered %d %s, not %s: the answer was checked, but it is not the one the check needs", ex.status, errorCodeOf(ex.body), statusList(want))
	}
	r.Conforms = len(r.Drift) == 0 && r.Error == ""
	return r
}

func successStatus(method string) []int {
	if method == http.MethodDelete {
		return []int{http.StatusOK, http.StatusNoContent}
	}
	return []int{http.StatusOK}
}

func statusList(s []int) string {
	var out []string
	for _, v := range s {
		out = append(out, fmt.Sprint(v))
	}
	return strings.Join(out, " or ")
}

func errorCodeOf(body []byte) string {
	var b struct {
		Code string `json:"error_code"`
	}
	if json.Unmarshal(body, &b) != nil || b.Code == "" {
		return "(no error_code)"
	}
	return b.Code
}

// check lists how an answer differs from the spec.
func (c *specChecker) check(ctx context.Context, ex *exchange) []drift {
	var out []drift
	add := func(d drift) {
		for _, have := range out {
			if have.Kind == d.Kind && have.Where == d.Where {
				return
			}
		}
		out = append(out, d)
	}
	op := ex.in.Route.Operation
	if op.Responses.Status(ex.status) == nil && op.Responses.Default() == nil {
		var listed []string
		for code := range op.Responses.Map() {
			listed = append(listed, code)
		}
		slices.Sort(listed)
		add(drift{driftStatus, "status", fmt.Sprintf("%d is not among the statuses the spec lists (%s)", ex.status, strings.Join(listed, ", "))})
		return out
	}
	if err := c.v.ValidateResponse(ctx, ex.in, ex.status, ex.header, ex.body); err != nil {
		for _, d := range driftsOf(err, c.red) {
			add(d)
		}
	}
	// The strict pass: the same body against the closed schema, for extra fields.
	if schema := c.strictSchema(ex); schema != nil {
		var value any
		if err := json.Unmarshal(ex.body, &value); err == nil {
			opts := append([]openapi3.SchemaValidationOption{openapi3.MultiErrors(), openapi3.VisitAsResponse()}, spec.SchemaOptions()...)
			if err := schema.VisitJSON(value, opts...); err != nil {
				for _, d := range driftsOf(err, c.red) {
					add(d)
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b drift) int { return strings.Compare(a.Where, b.Where) })
	return out
}

// strictSchema returns the closed schema of the answer's status and Content-Type, if the
// spec declares one.
func (c *specChecker) strictSchema(ex *exchange) *openapi3.Schema {
	item := c.strict.Paths.Value(ex.in.Route.Path)
	if item == nil {
		return nil
	}
	op := item.GetOperation(ex.in.Request.Method)
	if op == nil {
		return nil
	}
	resp := op.Responses.Status(ex.status)
	if resp == nil {
		resp = op.Responses.Default()
	}
	if resp == nil || resp.Value == nil {
		return nil
	}
	mt := resp.Value.Content.Get(ex.header.Get("Content-Type"))
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// scrubResults removes the credentials from anything an answer repeated back.
func scrubResults(results []checkResult, red *redactor) {
	for i := range results {
		results[i].Error = red.redactString(results[i].Error)
		for j := range results[i].Drift {
			d := &results[i].Drift[j]
			d.Where, d.Detail = red.redactString(d.Where), red.redactString(d.Detail)
		}
	}
}

func printCheck(w io.Writer, results []checkResult, asJSON bool) error {
	if asJSON {
		conforms := true
		for i := range results {
			conforms = conforms && results[i].Conforms
			if results[i].Drift == nil {
				results[i].Drift = []drift{}
			}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"conforms": conforms, "checks": results})
	}
	var b strings.Builder
	for _, r := range results {
		op := strings.Replace(r.Operation, "{id}", r.LinkID, 1)
		switch {
		case r.Conforms:
			fmt.Fprintf(&b, "%s: %d, conforms to openapi.yaml\n", op, r.Status)
		case len(r.Drift) == 0:
			fmt.Fprintf(&b, "%s: %d, no drift found, but: %s\n", op, r.Status, r.Error)
		default:
			fmt.Fprintf(&b, "%s: %d, %d difference(s) from openapi.yaml:\n", op, r.Status, len(r.Drift))
			for _, d := range r.Drift {
				fmt.Fprintf(&b, "  %-18s %s: %s\n", d.Kind, d.Where, d.Detail)
			}
			if r.Error != "" {
				fmt.Fprintf(&b, "  and: %s\n", r.Error)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
