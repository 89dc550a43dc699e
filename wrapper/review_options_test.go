package wrapper_test

import (
	"context"
	"testing"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

// Bad input gets a clear error and changes nothing (BRIEF). NaN and infinite rates and a
// negative CallTimeout are refused, but a negative Concurrency, Rate or Burst is silently
// replaced by the default and the run deletes links.
func TestReviewBulkRefusesNegativeOptions(t *testing.T) {
	for _, opts := range []wrapper.BulkOptions{{Concurrency: -1}, {Rate: -5}, {Burst: -3}} {
		srv, c, ids := bulkFake(t, 2)
		sum, err := c.DeleteLinks(context.Background(), wrapper.IDsFromSlice(ids), opts)
		if err == nil || len(srv.Requests()) != 0 {
			t.Errorf("%+v: summary %+v, err %v, %d requests sent; want an error and nothing sent", opts, sum, err, len(srv.Requests()))
		}
	}
}
