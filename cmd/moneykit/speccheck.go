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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

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

// Drift kinds, as printed and in --json.
const (
	driftExtraField   = "extra_field"
	driftMissingField = "missing_field"
	driftUnknownEnum  = "unknown_enum"
	driftWrongType    = "wrong_type"
	driftBadFormat    = "bad_format"
	driftStatus       = "wrong_status"
	driftContentType  = "wrong_content_type"
	driftHeader       = "bad_header"
	driftBody         = "bad_body"
	driftSchema       = "schema"
)

// maxCheckedBody bounds what spec-check reads of an answer.
const maxCheckedBody = 1 << 20

// drift is one difference between an answer and openapi.yaml.
type drift struct {
	Kind string `json:"kind"`
	// Where is a JSON pointer into the body ("/products/accounts/refreshed_at"), or the
	// header or status it is about.
	Where  string `json:"where"`
	Detail string `json:"detail"`
}

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

func runSpecCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	const cmd = "spec-check"
	o := &opts{cmd: cmd}
	fs := flag.NewFlagSet("moneykit "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed below, naming the command
	fs.Usage = func() {}
	var deleteID string
	fs.StringVar(&deleteID, "delete", "", "also delete the link with this `id` and check the answer (it is gone for good: name a disposable link)")
	fs.BoolVar(&o.json, "json", false, "print the findings as JSON on stdout, failures included")
	fs.StringVar(&o.tokenFile, "token-file", "", "read the access token from `FILE` (default: $MONEYKIT_ACCESS_TOKEN)")
	fs.StringVar(&o.tokenFlag, "token", "", "access `token` (discouraged: it lands in shell history; use the environment or --token-file)")
	fs.StringVar(&o.clientID, "client-id", "", "client `ID` for client credentials (default: $MONEYKIT_CLIENT_ID)")
	fs.StringVar(&o.clientSecretFile, "client-secret-file", "", "read the client secret from `FILE` (default: $MONEYKIT_CLIENT_SECRET)")
	fs.StringVar(&o.baseURL, "base-url", "", "API base `URL` (default: $MONEYKIT_BASE_URL, else https://api.moneykit.com)")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "give up after this long")
	fs.BoolVar(&o.verbose, "v", false, "print each HTTP request and response on stderr (credentials and tokens redacted)")
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, specCheckUsage)
		printFlags(fs, stdout)
		return exitOK
	}
	if err != nil {
		early := &printer{stdout: stdout, stderr: stderr, json: wantsJSON(args)}
		return early.fail(usageFailure(cmd, "%v", err))
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
	capture := &captureTransport{base: http.DefaultTransport, v: checker.v, red: &redactor{}}
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
	return &specChecker{v: v, strict: strict}, nil
}

// closeSchemas makes every object schema of doc refuse undeclared properties, so that what
// the API sends beyond the spec shows. (Its enums need nothing: openapi.yaml declares them
// closed, and kin-openapi checks them.) doc must be a copy of its own: its schemas are
// changed in place.
//
// An allOf cannot be closed part by part (each part declares only some of the object's
// fields, and kin-openapi checks each against the whole object), so an allOf of objects is
// first merged into one object with the properties and required fields of all its parts.
// The parts' other keywords are left to the ordinary pass, which checks the spec as is.
// An allOf that cannot be merged (a part that is not an object) stays open, on copies of
// its parts, since the same part may be used alone elsewhere and be closed there.
func closeSchemas(doc *openapi3.T) {
	var roots []*openapi3.SchemaRef
	if doc.Components != nil {
		for _, name := range componentNames(doc.Components.Schemas) {
			roots = append(roots, doc.Components.Schemas[name])
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			for _, resp := range op.Responses.Map() {
				if resp.Value != nil {
					for _, mt := range resp.Value.Content {
						roots = append(roots, mt.Schema)
					}
				}
			}
		}
	}
	open := map[*openapi3.Schema]bool{}
	merged := map[*openapi3.Schema]bool{}
	for _, s := range reachable(roots) {
		mergeAllOf(s, merged, open)
	}
	for _, s := range reachable(roots) {
		isObject := len(s.Properties) > 0 || s.Type.Is(openapi3.TypeObject)
		composed := len(s.AllOf) > 0 || len(s.OneOf) > 0 || len(s.AnyOf) > 0
		if isObject && !composed && !open[s] && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			no := false
			s.AdditionalProperties.Has = &no
		}
	}
}

func componentNames(m openapi3.Schemas) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// reachable lists the schemas under roots, each once.
func reachable(roots []*openapi3.SchemaRef) []*openapi3.Schema {
	var out []*openapi3.Schema
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		out = append(out, s)
		for _, name := range componentNames(s.Properties) {
			walk(s.Properties[name])
		}
		walk(s.Items)
		walk(s.AdditionalProperties.Schema)
		walk(s.Not)
		for _, list := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
			for _, x := range list {
				walk(x)
			}
		}
	}
	for _, r := range roots {
		walk(r)
	}
	return out
}

// mergeAllOf turns s's allOf of objects into s's own properties (see closeSchemas), or
// puts open copies of its parts in its place.
func mergeAllOf(s *openapi3.Schema, merged, open map[*openapi3.Schema]bool) {
	if len(s.AllOf) == 0 || merged[s] {
		return
	}
	merged[s] = true
	mergeable := len(s.OneOf) == 0 && len(s.AnyOf) == 0
	for _, part := range s.AllOf {
		if part.Value == nil {
			mergeable = false
			continue
		}
		mergeAllOf(part.Value, merged, open) // nested allOfs first
		p := part.Value
		mergeable = mergeable && (p.Type == nil || p.Type.Is(openapi3.TypeObject)) &&
			len(p.AllOf) == 0 && len(p.OneOf) == 0 && len(p.AnyOf) == 0 && p.AdditionalProperties.Schema == nil
	}
	if !mergeable {
		for i, part := range s.AllOf {
			if part.Value != nil {
				c := *part.Value
				open[&c] = true
				s.AllOf[i] = &openapi3.SchemaRef{Ref: part.Ref, Value: &c}
			}
		}
		return
	}
	props := openapi3.Schemas{}
	for k, v := range s.Properties {
		props[k] = v
	}
	required := slices.Clone(s.Required)
	for _, part := range s.AllOf {
		p := part.Value
		for _, k := range componentNames(p.Properties) {
			v := p.Properties[k]
			if have, ok := props[k]; ok && have.Value != v.Value {
				both := &openapi3.Schema{AllOf: openapi3.SchemaRefs{have, v}}
				mergeAllOf(both, merged, open)
				v = &openapi3.SchemaRef{Value: both}
			}
			props[k] = v
		}
		for _, k := range p.Required {
			if !slices.Contains(required, k) {
				required = append(required, k)
			}
		}
		if p.AdditionalProperties.Has != nil && *p.AdditionalProperties.Has {
			s.AdditionalProperties.Has = p.AdditionalProperties.Has
		}
	}
	s.Properties, s.Required, s.AllOf = props, required, nil
	if s.Type == nil {
		s.Type = &openapi3.Types{openapi3.TypeObject}
	}
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
		for _, d := range driftsOf(err) {
			add(d)
		}
	}
	// The strict pass: the same body against the closed schema, for extra fields.
	if schema := c.strictSchema(ex); schema != nil {
		var value any
		if err := json.Unmarshal(ex.body, &value); err == nil {
			opts := append([]openapi3.SchemaValidationOption{openapi3.MultiErrors(), openapi3.VisitAsResponse()}, spec.SchemaOptions()...)
			if err := schema.VisitJSON(value, opts...); err != nil {
				for _, d := range driftsOf(err) {
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

// driftsOf sorts kin-openapi's errors into drift kinds.
func driftsOf(err error) []drift {
	var re *openapi3filter.ResponseError
	if errors.As(err, &re) && re.Err == nil {
		switch {
		case strings.Contains(re.Reason, "Content-Type"):
			return []drift{{driftContentType, "Content-Type", re.Reason}}
		default:
			return []drift{{driftSchema, "response", re.Reason}}
		}
	}
	if errors.As(err, &re) {
		switch {
		case strings.HasPrefix(re.Reason, "response header"), strings.Contains(re.Reason, "header"):
			where := "header"
			if _, name, ok := strings.Cut(re.Reason, `"`); ok {
				where, _, _ = strings.Cut(name, `"`)
			}
			return []drift{{driftHeader, where, re.Reason + ": " + errText(re.Err)}}
		case strings.Contains(re.Reason, "decode"):
			return []drift{{driftBody, "body", "the body is not valid JSON: " + errText(re.Err)}}
		}
	}
	var out []drift
	for _, se := range schemaErrors(err) {
		out = append(out, schemaDrifts(se)...)
	}
	if len(out) == 0 {
		out = append(out, drift{driftSchema, "response", errText(err)})
	}
	return out
}

// schemaErrors flattens kin-openapi's error tree. The errors of a oneOf are unpacked only
// when a discriminator picked the branch: otherwise they are about branches that were never
// meant to match.
func schemaErrors(err error) []*openapi3.SchemaError {
	var out []*openapi3.SchemaError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case openapi3.MultiError:
			for _, x := range e {
				walk(x)
			}
		case *openapi3.SchemaError:
			unpack := e.SchemaField == "allOf" ||
				(e.SchemaField == "oneOf" || e.SchemaField == "anyOf") && e.Schema != nil && e.Schema.Discriminator != nil
			if unpack && e.Origin != nil && !errors.Is(e.Origin, openapi3.ErrOneOfConflict) {
				before := len(out)
				walk(errors.Unwrap(e.Origin))
				if len(out) > before {
					return
				}
			}
			out = append(out, e)
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}

const extraFieldDetail = "the API sent a field the spec does not declare"

func schemaDrifts(se *openapi3.SchemaError) []drift {
	where := "/" + strings.Join(se.JSONPointer(), "/")
	switch se.SchemaField {
	case "properties", "additionalProperties":
		var name string
		if _, err := fmt.Sscanf(se.Reason, "property %q is unsupported", &name); err == nil {
			where = strings.TrimSuffix(where, "/") + "/" + name
		}
		return []drift{{driftExtraField, where, extraFieldDetail}}
	case "maxProperties":
		// An object the spec declares empty (maxProperties: 0): each field is an extra one.
		if m, ok := se.Value.(map[string]any); ok && se.Schema != nil && se.Schema.MaxProps != nil && *se.Schema.MaxProps == 0 {
			var out []drift
			for k := range m {
				out = append(out, drift{driftExtraField, strings.TrimSuffix(where, "/") + "/" + k, extraFieldDetail})
			}
			return out
		}
	case "required":
		return []drift{{driftMissingField, where, "the spec requires this field; the API left it out"}}
	case "enum":
		if se.Schema != nil && !typeFits(se.Schema, se.Value) { // kin-openapi checks the enum first
			return []drift{{driftWrongType, where, fmt.Sprintf("value must be of type %s, got %s", strings.Join(se.Schema.Type.Slice(), " or "), jsonType(se.Value))}}
		}
		return []drift{{driftUnknownEnum, where, fmt.Sprintf("%s is not a value the spec lists (%s)", shortJSON(se.Value), enumList(se.Schema))}}
	case "discriminator":
		// A oneOf told apart by a property (error_code): a value the mapping lacks.
		if d := se.Schema.Discriminator; d != nil && strings.HasSuffix(se.Reason, "has invalid value") {
			var keys []string
			for k := range d.Mapping {
				keys = append(keys, strconv.Quote(k))
			}
			slices.Sort(keys)
			return []drift{{driftUnknownEnum, strings.TrimSuffix(where, "/") + "/" + d.PropertyName,
				fmt.Sprintf("%s is not a value the spec lists (%s)", shortJSON(se.Value), strings.Join(keys, ", "))}}
		}
	case "type", "nullable":
		return []drift{{driftWrongType, where, se.Reason + ", got " + jsonType(se.Value)}}
	case "format":
		return []drift{{driftBadFormat, where, se.Reason}}
	}
	return []drift{{driftSchema, where, se.Reason}}
}

// typeFits reports whether v, decoded JSON, is of a type the schema allows.
func typeFits(s *openapi3.Schema, v any) bool {
	switch x := v.(type) {
	case nil:
		return s.Nullable || s.Type.Permits(openapi3.TypeNull)
	case string:
		return s.Type.Permits(openapi3.TypeString)
	case bool:
		return s.Type.Permits(openapi3.TypeBoolean)
	case float64:
		return s.Type.Permits(openapi3.TypeNumber) || (s.Type.Permits(openapi3.TypeInteger) && x == float64(int64(x)))
	case json.Number: // kin-openapi's request and response decoding keeps numbers so
		_, err := x.Int64()
		return s.Type.Permits(openapi3.TypeNumber) || (s.Type.Permits(openapi3.TypeInteger) && err == nil)
	case []any:
		return s.Type.Permits(openapi3.TypeArray)
	case map[string]any:
		return s.Type.Permits(openapi3.TypeObject)
	}
	return true
}

func enumList(s *openapi3.Schema) string {
	if s == nil {
		return ""
	}
	var vals []string
	for _, v := range s.Enum {
		vals = append(vals, shortJSON(v))
	}
	return strings.Join(vals, ", ")
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// shortJSON shows a value as JSON, cut short: it is printed.
func shortJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 80 {
		return string(b[:77]) + "..."
	}
	return string(b)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	// The first line: kin-openapi appends the schema and the value on later lines.
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
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
