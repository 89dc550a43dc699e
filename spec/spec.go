// Package spec holds the embedded copy of openapi.yaml and the kin-openapi validation built
// on it: loading and checking the document, and validating requests and responses against
// it. Tests, the fake server and CI use it; the client packages (api, wrapper) never import
// it, so kin-openapi stays out of a program that only updates links.
package spec

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/halyard-labs/moneykit-go/api"
)

// Load returns the embedded spec after validating it, examples included. The servers list
// is cleared so that a router built on the document matches any host, loopback test servers
// among them. Everything else is as written in openapi.yaml but the operationIds, which
// oapi-codegen's embedding capitalises (UpdateLink for updateLink): compare them with
// strings.EqualFold.
func Load(ctx context.Context) (*openapi3.T, error) {
	doc, err := GetSpec()
	if err != nil {
		return nil, fmt.Errorf("spec: load embedded openapi.yaml: %w", err)
	}
	if err := doc.Validate(ctx, openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("spec: openapi.yaml is invalid: %w", err)
	}
	if err := ValidateExamples(doc); err != nil {
		return nil, err
	}
	doc.Servers = nil
	return doc, nil
}

// SchemaOptions returns the schema validation options that check the spec's string formats
// as MoneyKit does. kin-openapi checks a format only when a validator is registered for it;
// these are passed per validation rather than registered globally.
func SchemaOptions() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{
		openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
			"uri":       openapi3.NewCallbackValidator(CheckURI),
			"date-time": openapi3.NewCallbackValidator(CheckDateTime),
		}),
	}
}

// CheckURI reports whether s is an absolute URI with a scheme and a host, and without
// spaces or control characters: what a webhook must be.
func CheckURI(s string) error {
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return errors.New("must not contain spaces or control characters")
	}
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("is not a URI")
	}
	if !u.IsAbs() || u.Host == "" {
		return errors.New("must be an absolute URI with a scheme and a host")
	}
	return nil
}

// CheckDateTime accepts RFC 3339 date-times and the zone-less form of the reference.
func CheckDateTime(s string) error {
	if _, err := api.ParseTimestamp(s); err != nil {
		return fmt.Errorf("is not a date-time: %w", err)
	}
	return nil
}

// ValidateExamples checks every example of every request body and response (named examples
// and single ones) against its schema, with SchemaOptions' formats. doc.Validate checks
// examples too, but only with kin-openapi's global formats.
func ValidateExamples(doc *openapi3.T) error {
	var errs []error
	check := func(where string, schema *openapi3.SchemaRef, example any) {
		if schema == nil || schema.Value == nil {
			return
		}
		if err := schema.Value.VisitJSON(example, SchemaOptions()...); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
	}
	checkContent := func(where string, content openapi3.Content) {
		for mt, media := range content {
			if media.Example != nil {
				check(where+" "+mt+" example", media.Schema, media.Example)
			}
			for name, ex := range media.Examples {
				if ex.Value != nil {
					check(where+" "+mt+" examples."+name, media.Schema, ex.Value.Value)
				}
			}
		}
	}
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				checkContent(method+" "+path+" request", op.RequestBody.Value.Content)
				n++
			}
			for status, resp := range op.Responses.Map() {
				if resp.Value != nil {
					checkContent(method+" "+path+" "+status, resp.Value.Content)
					n++
				}
			}
		}
	}
	if n == 0 {
		errs = append(errs, errors.New("no operations found"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("spec: examples do not match their schemas: %w", errors.Join(errs...))
	}
	return nil
}
