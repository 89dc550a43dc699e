package spec_test

import (
	"context"
	"fmt"
	"log"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/halyard-labs/moneykit-go/spec"
)

// kin-openapi checks no "uri" format of its own: a webhook without a scheme passes a
// schema check unless SchemaOptions are given.
func ExampleSchemaOptions() {
	doc, err := spec.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	update := doc.Components.Schemas["UpdateLinkRequest"].Value
	body := map[string]any{"webhook": "example.com/hook"}

	fmt.Println("without:", headline(update.VisitJSON(body)))
	fmt.Println("with:", headline(update.VisitJSON(body, spec.SchemaOptions()...)))
	// Output:
	// without: ok
	// with: Error at "/webhook": string doesn't match the format "uri": must be an absolute URI with a scheme and a host
}

// CheckURI as the "uri" format checker of a schema of your own.
func ExampleCheckURI() {
	webhook := openapi3.NewStringSchema().WithFormat("uri")
	formats := openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
		"uri": openapi3.NewCallbackValidator(spec.CheckURI),
	})
	for _, s := range []string{"https://example.com/hook", "example.com/hook", "https://exa mple.com/hook", "file:///etc/passwd"} {
		fmt.Printf("%q: %s\n", s, headline(webhook.VisitJSON(s, formats)))
	}
	// Output:
	// "https://example.com/hook": ok
	// "example.com/hook": string doesn't match the format "uri": must be an absolute URI with a scheme and a host
	// "https://exa mple.com/hook": string doesn't match the format "uri": must not contain spaces or control characters
	// "file:///etc/passwd": string doesn't match the format "uri": must be an absolute URI with a scheme and a host
}

// CheckDateTime accepts the zone-less date-times of MoneyKit's reference, which RFC 3339,
// and kin-openapi's own check, refuse.
func ExampleCheckDateTime() {
	refreshed := openapi3.NewDateTimeSchema()
	for _, s := range []string{"2023-02-16T09:14:11Z", "2023-02-16T09:14:11", "16/02/2023"} {
		fmt.Printf("%s: %v, kin-openapi: %v\n", s, spec.CheckDateTime(s) == nil, refreshed.VisitJSON(s) == nil)
	}
	// Output:
	// 2023-02-16T09:14:11Z: true, kin-openapi: true
	// 2023-02-16T09:14:11: true, kin-openapi: false
	// 16/02/2023: false, kin-openapi: false
}
