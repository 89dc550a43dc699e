package moneykittest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// The fake checks its own answers against openapi.yaml. A link stored with AddLink is
// answered as given, so a test can break the spec on purpose; the handler hears of it
// (in a test, pass t.Error), and the client gets a 500.
func ExampleWithViolationHandler() {
	srv, c := fakeAPI(moneykittest.WithViolationHandler(func(err error) {
		first, _, _ := strings.Cut(err.Error(), "\n") // the rest shows the schema
		fmt.Println("violation:", first)
	}))
	defer srv.Close()
	link, ok := srv.Link(moneykittest.SeedLinkID)
	if !ok {
		log.Fatal("the fake has no seeded link")
	}
	link.State = "frozen" // not a state the spec lists
	if err := srv.AddLink(link); err != nil {
		log.Fatal(err)
	}

	_, err := c.UpdateLink(context.Background(), link.LinkID, wrapper.UpdateParams{}, wrapper.WithMaxRetries(0))
	var e *wrapper.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode, e.Code)
	} else {
		fmt.Println("not an answer from the API:", err)
	}
	// Output:
	// violation: spec: PATCH /links/{id}: 200 response breaks openapi.yaml: response body doesn't match schema #/components/schemas/Link: Error at "/state": value is not one of the allowed values ["connecting","awaiting_token_exchange","connected","deleted","error"]
	// 500 api_error.internal
}

// At the end of a test, check that the fake kept to the spec: every answer that did not
// is kept, oldest first.
func ExampleFake_Violations() {
	srv, c := fakeAPI()
	defer srv.Close()
	link, ok := srv.Link(moneykittest.SeedLinkID)
	if !ok {
		log.Fatal("the fake has no seeded link")
	}
	link.AvailableProducts = nil // sent as null, which the spec does not allow
	if err := srv.AddLink(link); err != nil {
		log.Fatal(err)
	}
	tags := wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("audited")}
	_, err := c.UpdateLink(context.Background(), moneykittest.SeedLinkID, tags)

	// Each attempt of the client got a 500, and each answer the fake meant to send broke
	// the spec.
	var e *wrapper.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode, e.Attempts)
	}
	violations := srv.Violations()
	if len(violations) == 0 {
		log.Fatal("no violation recorded")
	}
	first, _, _ := strings.Cut(violations[0].Error(), "\n")
	fmt.Println(len(violations), first)
	// Output:
	// 500 3
	// 3 spec: PATCH /links/{id}: 200 response breaks openapi.yaml: response body doesn't match schema #/components/schemas/Link: Error at "/available_products": Value is not nullable
}
