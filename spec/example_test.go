package spec_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/halyard-labs/moneykit-go/spec"
)

// A client lets a status the spec does not list (a proxy's 502) through; a server checking
// its own answers uses ListedStatusesOnly and has it flagged.
func ExampleValidator_ListedStatusesOnly() {
	ctx := context.Background()
	v, err := spec.NewValidator(ctx)
	if err != nil {
		panic(err)
	}
	req := httptest.NewRequest(http.MethodDelete, "/links/mk_eqkWN34UEoa2NxyALG8pcV", nil)
	req.Header.Set("Authorization", "Bearer token")
	in, err := v.ValidateRequest(ctx, req)
	if err != nil {
		panic(err)
	}
	header := http.Header{"Content-Type": {"text/html"}}
	fmt.Println("client:", v.ValidateResponse(ctx, in, http.StatusBadGateway, header, nil) == nil)
	fmt.Println("server:", v.ListedStatusesOnly().ValidateResponse(ctx, in, http.StatusBadGateway, header, nil) == nil)
	// Output:
	// client: true
	// server: false
}
