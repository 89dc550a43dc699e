package wrapper_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// Tell errors apart with errors.Is, and read their fields with errors.As.
func ExampleError() {
	srv, c := fakeAPI()
	defer srv.Close()

	_, err := c.UpdateLink(context.Background(), moneykittest.BadStateLinkID, wrapper.UpdateParams{
		LinkTags: wrapper.SetLinkTags("retry"),
	})
	switch {
	case errors.Is(err, wrapper.ErrNotFound), errors.Is(err, wrapper.ErrLinkDeleted):
		fmt.Println("the link is gone")
	case errors.Is(err, wrapper.ErrBadState):
		var e *wrapper.Error
		errors.As(err, &e)
		fmt.Println("cannot change it now:", e.StatusCode, e.LinkErrorCode)
	case err != nil:
		fmt.Println("failed:", err)
	}
	// Output: cannot change it now: 422 auth_expired
}
