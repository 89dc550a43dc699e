package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

// A 422's validation_errors[].location may hold any JSON value. redactError scrubs only
// the string elements, and ValidationError.String prints the others with fmt.Fprint: a
// server that repeats the token inside an object or array element gets it printed.
func TestReviewValidationLocationNonStringEchoesToken(t *testing.T) {
	c, s := setupWith(t, false)
	s.handle(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprintf(w, `{"error_code":"api_error.request.validation_failed","error_message":"bad","validation_errors":[{"location":["body",{"auth":%q},[%q]],"message":"x","type":"y"}]}`,
			"Bearer "+testToken, testToken)
	})
	err := c.DeleteLink(context.Background(), "mk_1")
	if !errors.Is(err, wrapper.ErrValidationFailed) {
		t.Fatalf("err %v", err)
	}
	for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprint(err.(*wrapper.Error).ValidationErrors)} {
		if strings.Contains(out, testToken) {
			t.Errorf("the token is shown: %s", out)
		}
	}
}
