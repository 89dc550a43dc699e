package main

import (
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

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
