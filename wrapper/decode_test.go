package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// Enum values this version does not know, zone-less and fractional timestamps, and null or
// absent optional fields all decode; the unknown values are visible to the caller.
func TestTolerantDecoding(t *testing.T) {
	body := `{
	  "link_id": "mk_1", "institution_id": "new_bank", "institution_name": "New Bank",
	  "institution_avatar": "https://example.com/a.png",
	  "state": "suspended", "error_code": "brand_new_error", "provider": "teller",
	  "last_synced_at": "2023-02-16T09:14:11.250",
	  "webhook": null, "link_tags": null, "tags": null,
	  "products": {
	    "accounts": {"refreshed_at": null, "last_attempted_at": "2023-02-16T09:14:11+01:00", "error_code": null, "error_message": null, "unavailable": null, "settings": null},
	    "transactions": {"error_code": "brand_new_product_error", "has_history": true, "settings": {"required": true, "reason": null, "a_setting_from_the_future": 1}},
	    "payments": {"refreshed_at": "2023-02-16T09:14:11Z"}
	  },
	  "available_products": ["payments", "accounts"],
	  "a_field_from_the_future": {"x": 1}
	}`
	c := memClient(t, answer(200, "application/json", []byte(body)))
	link, err := c.UpdateLink(context.Background(), "mk_1", wrapper.UpdateParams{})
	if err != nil {
		t.Fatal(err)
	}
	if link.State != "suspended" || link.Provider != "teller" || link.Provider.Valid() {
		t.Errorf("unknown enums lost: state %q provider %v", link.State, link.Provider)
	}
	if code, err := link.ErrorCode.Get(); err != nil || code != "brand_new_error" {
		t.Errorf("error_code = %q, %v", code, err)
	}
	if link.State.Valid() || !api.LinkStateConnected.Valid() {
		t.Error("Valid() does not tell known from unknown states")
	}
	if want := time.Date(2023, 2, 16, 9, 14, 11, 250e6, time.UTC); link.LastSyncedAt == nil || !link.LastSyncedAt.Equal(want) {
		t.Errorf("last_synced_at = %v", link.LastSyncedAt)
	}
	if !link.Webhook.IsNull() || link.LinkTags != nil || link.Tags != nil {
		t.Error("null optional fields decoded as values")
	}
	acc := link.Products.Accounts
	if acc == nil || acc.RefreshedAt != nil || acc.LastAttemptedAt == nil || !acc.LastAttemptedAt.Equal(time.Date(2023, 2, 16, 8, 14, 11, 0, time.UTC)) || acc.Settings != nil {
		t.Errorf("accounts = %+v", acc)
	}
	txn := link.Products.Transactions
	if txn == nil || txn.ErrorCode == nil || *txn.ErrorCode != "brand_new_product_error" || txn.ErrorCode.Valid() || !txn.HasHistory ||
		txn.Settings == nil || txn.Settings.Required == nil || !*txn.Settings.Required || txn.Settings.Reason != nil {
		t.Errorf("transactions = %+v", txn)
	}
	if len(link.AvailableProducts) != 2 || link.AvailableProducts[0] != "payments" {
		t.Errorf("available_products = %v", link.AvailableProducts)
	}
}

// Issue 11: "a missing field the SDK calls required must still decode in our client", and
// openapi.yaml's Link description promises "it decodes a link that lacks one (the field
// keeps its zero value)". state is one of those fields: a successful update whose link
// lacks it is not reported as failed (it used to be: "link_id or state missing"). A body
// without a link_id is no link (TestOddAnswers).
func TestUpdateLinkDecodesLinkWithoutState(t *testing.T) {
	for name, body := range map[string]string{
		"state absent": `{"link_id":"` + linkID + `","institution_id":"chase","institution_name":"Chase","institution_avatar":"https://example.com/a.png","provider":"mx","products":{},"available_products":[]}`,
		"state null":   `{"link_id":"` + linkID + `","institution_id":"chase","institution_name":"Chase","institution_avatar":"https://example.com/a.png","state":null,"provider":"mx","products":{},"available_products":[]}`,
		"only link_id": `{"link_id":"` + linkID + `"}`,
	} {
		c, s := setupWith(t, false)
		s.handle(reply(200, []byte(body)))
		link, err := c.UpdateLink(context.Background(), linkID, wrapper.UpdateParams{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if link.LinkID != linkID || link.State != "" {
			t.Errorf("%s: link %+v", name, link)
		}
	}
}

func TestInvalidLinkTagsSendNothing(t *testing.T) {
	c, s := setup(t)
	_, err := c.UpdateLink(context.Background(), linkID, wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("ok", "bad\xff")})
	if !errors.Is(err, wrapper.ErrInvalidLinkTags) || s.count() != 0 {
		t.Errorf("err = %v, %d requests", err, s.count())
	}
}

// Hundreds of concurrent calls on one client against the fake, with retries through
// injected faults (run with -race).
func TestManyConcurrentCallsAgainstFake(t *testing.T) {
	srv := fakeServer(t, moneykittest.WithoutSeed())
	const n = 300
	for i := range n {
		if err := srv.AddLink(api.Link{
			LinkID: fmt.Sprintf("mk_bulk_%03d", i), InstitutionID: "chase", InstitutionName: "Chase",
			InstitutionAvatar: "https://example.com/a.png", State: api.LinkStateConnected, Provider: api.ProviderMx,
			AvailableProducts: []api.Product{},
		}); err != nil {
			t.Fatal(err)
		}
	}
	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultHTML502, Times: 20})
	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultDrop, Times: 10})
	c, err := wrapper.New(srv.Token(), wrapper.WithBaseURL(srv.URL), wrapper.WithMaxRetries(5), wrapper.WithRetryBackoff(time.Millisecond, 20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	concurrently(t, n, func(i int) error {
		id := fmt.Sprintf("mk_bulk_%03d", i)
		if i%2 == 0 {
			return c.DeleteLink(context.Background(), id)
		}
		_, err := c.UpdateLink(context.Background(), id, wrapper.UpdateParams{Webhook: wrapper.SetWebhook("https://example.com/" + id)})
		return err
	})
	for i := range n {
		id := fmt.Sprintf("mk_bulk_%03d", i)
		l, _ := srv.Link(id)
		hook, _ := l.Webhook.Get()
		if i%2 == 0 && l.State != api.LinkStateDeleted || i%2 == 1 && hook != "https://example.com/"+id {
			t.Errorf("%s not done: %+v", id, l)
		}
	}
	if got := len(srv.Requests()); got < n+30 {
		t.Errorf("requests = %d, want at least %d (every fault retried)", got, n+30)
	}
}
