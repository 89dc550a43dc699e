package wrapper_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// The request body for each webhook / link_tags state is byte-for-byte the golden file.
func TestUpdateLinkWire(t *testing.T) {
	for _, tc := range []struct {
		golden string
		params wrapper.UpdateParams
	}{
		{"update-nothing", wrapper.UpdateParams{}},
		{"update-set-webhook", wrapper.UpdateParams{Webhook: wrapper.SetWebhook("https://example.com/updated/hook")}},
		{"update-remove-webhook", wrapper.UpdateParams{Webhook: wrapper.RemoveWebhook()}},
		{"update-set-tags", wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("smoke_test", "user_type:admin")}},
		{"update-clear-tags", wrapper.UpdateParams{LinkTags: wrapper.ClearLinkTags()}},
		{"update-clear-tags", wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags()}},
		{"update-clear-tags", wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags([]string(nil)...)}},
		{"update-set-both", wrapper.UpdateParams{
			Webhook:  wrapper.SetWebhook("https://example.com/updated/hook"),
			LinkTags: wrapper.SetLinkTags("smoke_test", "user_type:admin"),
		}},
		{"update-remove-webhook-clear-tags", wrapper.UpdateParams{Webhook: wrapper.RemoveWebhook(), LinkTags: wrapper.ClearLinkTags()}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			c, s := setup(t)
			s.handle(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPatch {
					t.Errorf("method = %s, want PATCH", r.Method)
				}
				if r.URL.EscapedPath() != "/links/"+linkID {
					t.Errorf("path = %s", r.URL.EscapedPath())
				}
				for h, want := range map[string]string{
					"Authorization": "Bearer " + testToken,
					"Content-Type":  "application/json",
					"User-Agent":    wrapper.DefaultUserAgent,
				} {
					if got := r.Header.Get(h); got != want {
						t.Errorf("%s = %q, want %q", h, got, want)
					}
				}
				reply(200, fixture(t, "responses/link.json"))(w, r)
			})
			link, err := c.UpdateLink(context.Background(), linkID, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			if link.LinkID != linkID {
				t.Errorf("link id = %q", link.LinkID)
			}
			want := bytes.TrimSuffix(fixture(t, "requests/"+tc.golden+".json"), []byte("\n"))
			if got := s.bodies[0]; !bytes.Equal(got, want) {
				t.Errorf("body = %s\nwant   %s", got, want)
			}
		})
	}
}

// The live API's 200 body (the reference's, with provider, settings and has_history, which
// the live API adds) decodes into the link it shows, zone-less timestamps as UTC.
func TestUpdateLinkDecodesReferenceBody(t *testing.T) {
	c, s := setup(t)
	s.handle(reply(200, fixture(t, "responses/link.json")))
	link, err := c.UpdateLink(context.Background(), linkID, wrapper.UpdateParams{Webhook: wrapper.SetWebhook("https://example.com/webhook")})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2023, 2, 16, 9, 14, 11, 0, time.UTC)
	if link.InstitutionID != "chase" || link.InstitutionName != "Chase" || link.InstitutionAvatar != "https://example.com/avatar.png" {
		t.Errorf("institution = %q %q %q", link.InstitutionID, link.InstitutionName, link.InstitutionAvatar)
	}
	if link.State != api.LinkStateConnected || link.Provider != api.ProviderMx {
		t.Errorf("state = %q, provider = %q", link.State, link.Provider)
	}
	if !link.ErrorCode.IsNull() {
		t.Errorf("error_code = %v, want null", link.ErrorCode)
	}
	if hook, err := link.Webhook.Get(); err != nil || hook != "https://example.com/webhook" {
		t.Errorf("webhook = %v", link.Webhook)
	}
	if link.LinkTags == nil || strings.Join(*link.LinkTags, ",") != "smoke_test,user_type:admin" || link.Tags == nil || strings.Join(*link.Tags, ",") != "smoke_test" {
		t.Errorf("link_tags = %v, tags = %v", link.LinkTags, link.Tags)
	}
	if link.LastSyncedAt == nil || !link.LastSyncedAt.Equal(at) {
		t.Errorf("last_synced_at = %v", link.LastSyncedAt)
	}
	if len(link.AvailableProducts) != 1 || link.AvailableProducts[0] != api.ProductAccountNumbers {
		t.Errorf("available_products = %v", link.AvailableProducts)
	}
	p := link.Products
	if p.Transactions == nil {
		t.Fatal("product transactions missing")
	}
	if !p.Transactions.HasHistory {
		t.Error("transactions has_history = false, want true")
	}
	// The transactions product has a type of its own (it adds has_history); check the
	// fields it shares with the others through its ProductState view.
	txn := &api.ProductState{
		RefreshedAt: p.Transactions.RefreshedAt, LastAttemptedAt: p.Transactions.LastAttemptedAt,
		ErrorCode: p.Transactions.ErrorCode, ErrorMessage: p.Transactions.ErrorMessage,
		Unavailable: p.Transactions.Unavailable, Settings: p.Transactions.Settings,
	}
	withSettings := map[string]bool{"accounts": true, "transactions": true}
	for name, ps := range map[string]*api.ProductState{
		"accounts": p.Accounts, "account_numbers": p.AccountNumbers, "identity": p.Identity,
		"transactions": txn, "investments": p.Investments, "enrichment": p.Enrichment,
	} {
		if ps == nil {
			t.Errorf("product %s missing", name)
			continue
		}
		if ps.RefreshedAt == nil || !ps.RefreshedAt.Equal(at) || ps.RefreshedAt.Location() != time.UTC {
			t.Errorf("%s refreshed_at = %v, want %v", name, ps.RefreshedAt, at)
		}
		if ps.LastAttemptedAt == nil || !ps.LastAttemptedAt.Equal(at) {
			t.Errorf("%s last_attempted_at = %v", name, ps.LastAttemptedAt)
		}
		if ps.ErrorCode == nil || *ps.ErrorCode != api.ProductErrorCodeRateLimit || ps.ErrorMessage == nil || ps.Unavailable == nil {
			t.Errorf("%s error fields = %v %v %v", name, ps.ErrorCode, ps.ErrorMessage, ps.Unavailable)
		}
		st := ps.Settings
		switch {
		case !withSettings[name] && st != nil:
			t.Errorf("%s settings = %+v, want none", name, st)
		case withSettings[name] && (st == nil || st.Required == nil || !*st.Required || st.RequirePermission == nil || *st.RequirePermission ||
			st.Prefetch == nil || !*st.Prefetch || st.Reason == nil || *st.Reason != "show your spending by category"):
			t.Errorf("%s settings = %+v", name, st)
		}
	}
}

// The live API always sends provider and the transactions product's has_history (MoneyKit's
// SDK fails without them, and the spec marks them required), but the client does not
// insist: the reference page's own example lacks both, and decodes, with zero values. The
// server here does not validate against the spec, which would flag the body.
func TestUpdateLinkDecodesLinkWithoutSDKRequiredFields(t *testing.T) {
	c, s := setupWith(t, false)
	s.handle(reply(200, fixture(t, "lenient/link-reference-page.json")))
	link, err := c.UpdateLink(context.Background(), linkID, wrapper.UpdateParams{})
	if err != nil {
		t.Fatal(err)
	}
	if link.LinkID != linkID || link.State != api.LinkStateConnected || link.InstitutionName != "Chase" {
		t.Errorf("link = %+v", link)
	}
	if link.Provider != "" || link.Provider.Valid() {
		t.Errorf("provider = %q, want the zero value", link.Provider)
	}
	txn := link.Products.Transactions
	if txn == nil || txn.HasHistory || txn.Settings != nil || txn.ErrorCode == nil || *txn.ErrorCode != api.ProductErrorCodeRateLimit {
		t.Errorf("transactions = %+v", txn)
	}
}

func TestDeleteLink(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   []byte
	}{
		{"200 with {} as the reference shows", 200, []byte("{}")},
		{"204 as MoneyKit's SDKs declare", 204, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := setup(t)
			s.handle(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodDelete || r.URL.EscapedPath() != "/links/"+linkID {
					t.Errorf("request = %s %s", r.Method, r.URL.EscapedPath())
				}
				if r.Header.Get("Authorization") != "Bearer "+testToken {
					t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
				}
				if tc.body == nil {
					w.WriteHeader(tc.status)
					return
				}
				reply(tc.status, tc.body)(w, r)
			})
			if err := c.DeleteLink(context.Background(), linkID); err != nil {
				t.Fatalf("DeleteLink = %v", err)
			}
			if s.count() != 1 {
				t.Errorf("requests = %d", s.count())
			}
		})
	}
}

// Each documented error, with the reference's body, maps to its sentinel and fields, on
// every operation.
func TestErrorsFromReferenceBodies(t *testing.T) {
	for _, tc := range []struct {
		fixture  string
		status   int
		sentinel error
		code     wrapper.Code
		message  string
	}{
		{"error-401-expired_access_token", 401, wrapper.ErrAccessTokenExpired, wrapper.CodeAccessTokenExpired, "Access token expired"},
		{"error-403-forbidden_action", 403, wrapper.ErrForbiddenAction, wrapper.CodeForbiddenAction, "Accounts access not permitted"},
		{"error-404-not_found", 404, wrapper.ErrNotFound, wrapper.CodeNotFound, "Link not found."},
		{"error-410-deleted", 410, wrapper.ErrLinkDeleted, wrapper.CodeLinkDeleted, "This link was deleted at some earlier time."},
		{"error-422-bad_state", 422, wrapper.ErrBadState, wrapper.CodeBadState, "The link is not in a state that allows this change."},
		{"error-429-rate_limit_exceeded", 429, wrapper.ErrRateLimited, wrapper.CodeRateLimitExceeded, "Rate limit exceeded"},
		{"error-401-unauthorized", 401, wrapper.ErrUnauthorized, wrapper.CodeUnauthorized, "Invalid or missing credentials."},
		{"error-401-unauthorized_access", 401, wrapper.ErrUnauthorizedLinkAccess, wrapper.CodeUnauthorizedLinkAccess, "Unauthorized link access."},
		{"error-422-validation_failed", 422, wrapper.ErrValidationFailed, wrapper.CodeValidationFailed, "Request validation failed."},
	} {
		for _, op := range linkOps {
			method := op.method
			t.Run(tc.fixture+"/"+method, func(t *testing.T) {
				c, s := setup(t)
				s.handle(func(w http.ResponseWriter, r *http.Request) {
					if tc.status == 429 {
						w.Header().Set("Retry-After", "15")
					}
					reply(tc.status, fixture(t, "responses/"+tc.fixture+".json"))(w, r)
				})
				err := op.call(context.Background(), c, linkID)
				if !errors.Is(err, tc.sentinel) {
					t.Fatalf("err = %v, want errors.Is %v", err, tc.sentinel)
				}
				for _, other := range []error{wrapper.ErrNotFound, wrapper.ErrLinkDeleted, wrapper.ErrRateLimited} {
					if other != tc.sentinel && errors.Is(err, other) {
						t.Errorf("err also matches %v", other)
					}
				}
				var e *wrapper.Error
				if !errors.As(err, &e) {
					t.Fatalf("errors.As(*Error) failed for %T", err)
				}
				if e.StatusCode != tc.status || e.Code != tc.code || e.Message != tc.message || e.Method != method || e.LinkID != linkID {
					t.Errorf("error = %+v", *e)
				}
				if e.DocumentationURL != "https://docs.moneykit.com/reference/errors" {
					t.Errorf("documentation_url = %q", e.DocumentationURL)
				}
				if tc.code == wrapper.CodeBadState && e.LinkErrorCode != "auth_expired" {
					t.Errorf("link_error_code = %q", e.LinkErrorCode)
				}
				if tc.code == wrapper.CodeValidationFailed {
					got := fmt.Sprint(e.ValidationErrors)
					if want := "[body.webhook: invalid or missing URL scheme (value_error.url.scheme) body.link_tags.0: str type expected (type_error.str)]"; got != want {
						t.Errorf("ValidationErrors = %s\nwant %s", got, want)
					}
				}
				if tc.status == 429 && e.RetryAfter != 15*time.Second {
					t.Errorf("RetryAfter = %v", e.RetryAfter)
				}
				if e.Body != "" {
					t.Errorf("Body excerpt = %q for a MoneyKit error", e.Body)
				}
				if e.Temporary() != (tc.status == 429) {
					t.Errorf("Temporary() = %v for %d", e.Temporary(), tc.status)
				}
				want := "moneykit: " + method + " /links/" + linkID + ": " + strconv.Itoa(tc.status) + " " + string(tc.code) + ": " + tc.message
				if len(e.ValidationErrors) > 0 {
					want = strings.TrimSuffix(want, ".") + ": " + e.ValidationErrors[0].String() // not "failed.: body..."
				}
				if !strings.HasPrefix(err.Error(), want) {
					t.Errorf("Error() = %q\nwant prefix %q", err.Error(), want)
				}
			})
		}
	}
}
