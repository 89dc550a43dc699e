package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

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

// drift is one difference between an answer and openapi.yaml.
type drift struct {
	Kind string `json:"kind"`
	// Where is a JSON pointer into the body ("/products/accounts/refreshed_at"), or the
	// header or status it is about.
	Where  string `json:"where"`
	Detail string `json:"detail"`
}

// driftsOf sorts kin-openapi's errors into drift kinds. Values of the answer shown in a
// detail pass through red before they are cut short (see shortJSON).
func driftsOf(err error, red *redactor) []drift {
	var re *openapi3filter.ResponseError
	if errors.As(err, &re) && re.Err == nil {
		switch {
		case strings.Contains(re.Reason, "Content-Type"):
			return []drift{{driftContentType, "Content-Type", re.Reason}}
		case strings.HasPrefix(re.Reason, "response header"): // a required header missing
			return []drift{{driftHeader, headerName(re.Reason), re.Reason}}
		default:
			return []drift{{driftSchema, "response", re.Reason}}
		}
	}
	if errors.As(err, &re) {
		switch {
		case strings.HasPrefix(re.Reason, "response header"), strings.Contains(re.Reason, "header"):
			return []drift{{driftHeader, headerName(re.Reason), re.Reason + ": " + errText(re.Err)}}
		case strings.Contains(re.Reason, "decode"):
			return []drift{{driftBody, "body", "the body is not valid JSON: " + errText(re.Err)}}
		}
	}
	var out []drift
	for _, se := range schemaErrors(err) {
		out = append(out, schemaDrifts(se, red)...)
	}
	if len(out) == 0 {
		out = append(out, drift{driftSchema, "response", errText(err)})
	}
	return out
}

// headerName is the quoted header name in kin-openapi's reason, or "header".
func headerName(reason string) string {
	if _, name, ok := strings.Cut(reason, `"`); ok {
		name, _, _ = strings.Cut(name, `"`)
		return name
	}
	return "header"
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

func schemaDrifts(se *openapi3.SchemaError, red *redactor) []drift {
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
		return []drift{{driftUnknownEnum, where, fmt.Sprintf("%s is not a value the spec lists (%s)", shortJSON(se.Value, red), enumList(se.Schema))}}
	case "discriminator":
		// A oneOf told apart by a property (error_code): a value the mapping lacks.
		if d := se.Schema.Discriminator; d != nil && strings.HasSuffix(se.Reason, "has invalid value") {
			var keys []string
			for k := range d.Mapping {
				keys = append(keys, strconv.Quote(k))
			}
			slices.Sort(keys)
			return []drift{{driftUnknownEnum, strings.TrimSuffix(where, "/") + "/" + d.PropertyName,
				fmt.Sprintf("%s is not a value the spec lists (%s)", shortJSON(se.Value, red), strings.Join(keys, ", "))}}
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
		vals = append(vals, shortJSON(v, nil)) // the spec's own values
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

// shortJSON shows a value as JSON, cut short: it is printed. A value from the answer is
// redacted with red first: once cut, a secret the answer repeated back (a long token)
// would no longer be found whole, and its start would be printed.
func shortJSON(v any, red *redactor) string {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(fmt.Sprint(v))
	}
	if red != nil {
		b = red.redact(b)
	}
	if len(b) > 80 {
		n := 77
		for n > 0 && !utf8.RuneStart(b[n]) {
			n--
		}
		return string(b[:n]) + "..."
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
