package moneykittest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/spec"
)

// maxSeedFile bounds what LoadLinks reads.
const maxSeedFile = 64 << 20

// LoadLinks reads links to seed a fake with (see AddLink and WithoutSeed) from JSON: an
// array of links as the API returns them. Each link must satisfy openapi.yaml's Link
// schema, hold no field the Link type does not know (a misspelt field would otherwise be
// dropped without a word), and have a link_id of its own; the error names the first link
// that does not and every problem with it.
func LoadLinks(r io.Reader) ([]api.Link, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxSeedFile+1))
	if err != nil {
		return nil, fmt.Errorf("moneykittest: LoadLinks: %w", err)
	}
	if len(b) > maxSeedFile {
		return nil, fmt.Errorf("moneykittest: LoadLinks: over %d bytes", maxSeedFile)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return nil, fmt.Errorf("moneykittest: LoadLinks: want a JSON array of links: %w", err)
	}
	doc, err := spec.Load(context.Background())
	if err != nil {
		return nil, err
	}
	ref := doc.Components.Schemas["Link"]
	if ref == nil || ref.Value == nil {
		return nil, errors.New("moneykittest: LoadLinks: openapi.yaml has no Link schema")
	}
	opts := append([]openapi3.SchemaValidationOption{openapi3.MultiErrors(), openapi3.VisitAsResponse()}, spec.SchemaOptions()...)
	links := make([]api.Link, 0, len(raws))
	seen := map[string]bool{}
	for i, raw := range raws {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("moneykittest: LoadLinks: link %d: %w", i, err)
		}
		name := fmt.Sprintf("link %d", i)
		if m, ok := v.(map[string]any); ok {
			if id, ok := m["link_id"].(string); ok {
				name = fmt.Sprintf("link %d (%s)", i, id)
			}
		}
		if err := ref.Value.VisitJSON(v, opts...); err != nil {
			return nil, fmt.Errorf("moneykittest: LoadLinks: %s breaks openapi.yaml's Link schema: %s", name, schemaProblems(err))
		}
		var l api.Link
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("moneykittest: LoadLinks: %s: %w", name, err)
		}
		switch {
		case l.LinkID == "":
			return nil, fmt.Errorf("moneykittest: LoadLinks: %s: empty link_id", name)
		case seen[l.LinkID]:
			return nil, fmt.Errorf("moneykittest: LoadLinks: %s: link_id used twice", name)
		}
		seen[l.LinkID] = true
		links = append(links, l)
	}
	return links, nil
}

// schemaProblems lists kin-openapi's findings on one line each: where and what, without
// the schema dump that its messages append.
func schemaProblems(err error) string {
	var me openapi3.MultiError
	if !errors.As(err, &me) {
		me = openapi3.MultiError{err}
	}
	var out []string
	for _, e := range me {
		var se *openapi3.SchemaError
		if errors.As(e, &se) {
			out = append(out, fmt.Sprintf("/%s: %s", strings.Join(se.JSONPointer(), "/"), se.Reason))
			continue
		}
		msg, _, _ := strings.Cut(e.Error(), "\n")
		out = append(out, msg)
	}
	return strings.Join(out, "; ")
}
