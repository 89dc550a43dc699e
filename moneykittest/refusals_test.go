package moneykittest

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	fk "github.com/halyard-labs/moneykit-go/moneykittest/internal/fakeapi"
)

// refuse builds each operation's own response for each reason, with its status, body and
// Retry-After.
func TestRefuse(t *testing.T) {
	for _, tc := range []struct {
		no         refusal
		status     int
		errorCode  string
		retryAfter string
	}{
		{refusal{reason: forbidden}, 403, "link_error.forbidden_action", ""},
		{refusal{reason: notFound}, 404, "link_error.not_found", ""},
		{refusal{reason: deleted}, 410, "link_error.deleted", ""},
		{refusal{reason: badState, badState: "auth_expired"}, 422, "link_error.bad_state", ""},
		{refusal{reason: rateLimited, retryAfter: "7"}, 429, "api_error.rate_limit_exceeded", "7"},
	} {
		update, err := refuse[fk.UpdateLinkResponseObject, fk.UpdateLink403JSONResponse, fk.UpdateLink404JSONResponse,
			fk.UpdateLink410JSONResponse, fk.UpdateLink422JSONResponse, fk.UpdateLink429JSONResponse](&tc.no)
		if err != nil {
			t.Fatalf("update, reason %d: %v", tc.no.reason, err)
		}
		del, err := refuse[fk.DeleteLinkResponseObject, fk.DeleteLink403JSONResponse, fk.DeleteLink404JSONResponse,
			fk.DeleteLink410JSONResponse, fk.DeleteLink422JSONResponse, fk.DeleteLink429JSONResponse](&tc.no)
		if err != nil {
			t.Fatalf("delete, reason %d: %v", tc.no.reason, err)
		}
		for name, visit := range map[string]func(*httptest.ResponseRecorder) error{
			"update": func(w *httptest.ResponseRecorder) error { return update.VisitUpdateLinkResponse(w) },
			"delete": func(w *httptest.ResponseRecorder) error { return del.VisitDeleteLinkResponse(w) },
		} {
			w := httptest.NewRecorder()
			if err := visit(w); err != nil {
				t.Fatal(err)
			}
			if w.Code != tc.status || !strings.Contains(w.Body.String(), `"error_code":"`+tc.errorCode+`"`) || w.Header().Get("Retry-After") != tc.retryAfter {
				t.Errorf("%s, reason %d: %d %q Retry-After %q, want %d %s Retry-After %q",
					name, tc.no.reason, w.Code, w.Body, w.Header().Get("Retry-After"), tc.status, tc.errorCode, tc.retryAfter)
			}
		}
	}
}

// A handler that names another operation's types, or a refusal without a reason, gets an
// error (answered 500), not a panic.
func TestRefuseWrongTypesIsAnError(t *testing.T) {
	for _, no := range []refusal{{reason: notFound}, {}} {
		_, err := refuse[fk.UpdateLinkResponseObject, fk.DeleteLink403JSONResponse, fk.DeleteLink404JSONResponse,
			fk.DeleteLink410JSONResponse, fk.DeleteLink422JSONResponse, fk.DeleteLink429JSONResponse](&no)
		if err == nil {
			t.Errorf("reason %d: no error", no.reason)
		}
	}
}

// A read has find's rules only: a link in a bad state reads, and reads spend no rate
// limit; a change to the same link is refused. Missing, deleted and restricted links are
// refused to both.
func TestOnLinkReadHasFindsRulesOnly(t *testing.T) {
	f, err := New(WithRateLimits(RateLimits{PatchPerLink: 1, Per: time.Hour}))
	if err != nil {
		t.Fatal(err)
	}
	reasonFor := func(id, op string) reason {
		var got reason
		refused := func(no *refusal) (string, error) { got = no.reason; return "", nil }
		onLink(f, id, op, refused, func(*record, time.Time) string { return "" })
		return got
	}
	for _, tc := range []struct {
		id, op string
		want   reason
	}{
		{BadStateLinkID, opRead, 0},
		{BadStateLinkID, opPatch, badState},
		{SeedLinkID, opRead, 0},
		{SeedLinkID, opPatch, 0},
		{SeedLinkID, opRead, 0}, // the read after the one PATCH the limit allows
		{SeedLinkID, opPatch, rateLimited},
		{"mk_nope", opRead, notFound},
		{DeletedLinkID, opRead, deleted},
		{ForbiddenLinkID, opRead, forbidden},
	} {
		if got := reasonFor(tc.id, tc.op); got != tc.want {
			t.Errorf("%s %q: reason %d, want %d", tc.id, tc.op, got, tc.want)
		}
	}
}
