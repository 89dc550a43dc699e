package moneykittest

import (
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/halyard-labs/moneykit-go/api"
	fk "github.com/halyard-labs/moneykit-go/moneykittest/internal/fakeapi"
)

func ptr[T any](v T) *T { return &v }

// seed fills the store with realistic links: several institutions, every provider, every
// state, products with and without errors, tags and webhooks.
func (f *Fake) seed() {
	now := f.now().UTC().Truncate(time.Second)
	at := func(ago time.Duration) *api.Timestamp { return &api.Timestamp{Time: now.Add(-ago)} }
	ok := func(ago time.Duration) *fk.ProductState {
		return &fk.ProductState{RefreshedAt: at(ago), LastAttemptedAt: at(ago)}
	}
	failed := func(code, msg string) *fk.ProductState {
		return &fk.ProductState{RefreshedAt: at(30 * time.Hour), LastAttemptedAt: at(time.Hour), ErrorCode: &code, ErrorMessage: &msg}
	}
	unavailable := &fk.ProductState{Unavailable: ptr("Not offered by this institution.")}
	noError := nullable.NewNullNullable[fk.LinkErrorCode]()
	errCode := func(c fk.LinkErrorCode) nullable.Nullable[fk.LinkErrorCode] { return nullable.NewNullableWithValue(c) }

	links := []struct {
		link fk.Link
		opts []LinkOption
	}{
		{link: fk.Link{
			LinkID: SeedLinkID, InstitutionID: "chase", InstitutionName: "Chase",
			InstitutionAvatar: "https://example.com/avatar.png",
			State:             fk.LinkStateConnected, ErrorCode: noError, Provider: ptr(fk.ProviderMx),
			LinkTags: &[]string{"smoke_test", "user_type:admin"}, Webhook: ptr("https://example.com/webhook"),
			LastSyncedAt: at(2 * time.Hour),
			Products: fk.LinkProducts{
				Accounts: ok(2 * time.Hour), Transactions: ok(2 * time.Hour), Identity: ok(26 * time.Hour),
				AccountNumbers: failed("rate_limit", "The institution rate-limited the last refresh."),
			},
			AvailableProducts: []fk.Product{fk.ProductInvestments, fk.ProductEnrichment},
		}},
		{link: fk.Link{
			LinkID: "mk_4NwQa7ZrTb1XyEhK8sJdLc", InstitutionID: "wells_fargo", InstitutionName: "Wells Fargo",
			InstitutionAvatar: "https://example.com/avatars/wells_fargo.png",
			State:             fk.LinkStateConnected, ErrorCode: noError, Provider: ptr(fk.ProviderPlaid),
			LinkTags: &[]string{"cohort:2024-q1"},
			Products: fk.LinkProducts{
				Accounts: ok(time.Hour), Transactions: ok(time.Hour), Investments: unavailable,
			},
			AvailableProducts: []fk.Product{fk.ProductIdentity, fk.ProductAccountNumbers},
		}},
		{link: fk.Link{
			LinkID: "mk_6VbHs2KpQm8CjRwY3tNxAf", InstitutionID: "bank_of_america", InstitutionName: "Bank of America",
			InstitutionAvatar: "https://example.com/avatars/bank_of_america.png",
			State:             fk.LinkStateConnecting, ErrorCode: noError, Provider: ptr(fk.ProviderFinicity),
			Products:          fk.LinkProducts{},
			AvailableProducts: []fk.Product{fk.ProductAccounts, fk.ProductTransactions},
		}},
		{link: fk.Link{
			LinkID: "mk_1XcVb5NmLk3JhGf7DsAqWe", InstitutionID: "capital_one", InstitutionName: "Capital One",
			InstitutionAvatar: "https://example.com/avatars/capital_one.png",
			State:             fk.LinkStateAwaitingTokenExchange, ErrorCode: noError, Provider: ptr(fk.ProviderYodlee),
			Webhook:           ptr("https://hooks.example.com/moneykit/capital_one"),
			Products:          fk.LinkProducts{Accounts: &fk.ProductState{}},
			AvailableProducts: []fk.Product{fk.ProductIdentity},
		}},
		{link: fk.Link{
			LinkID: BadStateLinkID, InstitutionID: "citi", InstitutionName: "Citi",
			InstitutionAvatar: "https://example.com/avatars/citi.png",
			State:             fk.LinkStateError, ErrorCode: errCode(fk.LinkErrorCodeAuthExpired), Provider: ptr(fk.ProviderMx),
			LinkTags:     &[]string{"needs_relink"},
			LastSyncedAt: at(10 * 24 * time.Hour),
			Products: fk.LinkProducts{
				Accounts:     failed("auth_expired", "The user's credentials have expired."),
				Transactions: failed("auth_expired", "The user's credentials have expired."),
			},
			AvailableProducts: []fk.Product{},
		}, opts: []LinkOption{BadState(string(fk.LinkErrorCodeAuthExpired))}},
		{link: fk.Link{
			LinkID: ForbiddenLinkID, InstitutionID: "charles_schwab", InstitutionName: "Charles Schwab",
			InstitutionAvatar: "https://example.com/avatars/charles_schwab.png",
			State:             fk.LinkStateConnected, ErrorCode: noError, Provider: ptr(fk.ProviderAkoya),
			Products: fk.LinkProducts{
				Accounts: ok(3 * time.Hour), Investments: ok(3 * time.Hour), Enrichment: ok(3 * time.Hour),
			},
			AvailableProducts: []fk.Product{},
		}, opts: []LinkOption{Restricted()}},
		{link: fk.Link{
			LinkID: "mk_8PzEr6TyUi0OlKjHg2FdSa", InstitutionID: "moneykit_sandbox", InstitutionName: "MoneyKit Sandbox Bank",
			InstitutionAvatar: "https://example.com/avatars/moneykit_sandbox.png",
			State:             fk.LinkStateError, ErrorCode: errCode(fk.LinkErrorCodeUserSetupRequired), Provider: ptr(fk.ProviderMoneykit),
			Products: fk.LinkProducts{
				Accounts: failed("user_setup_required", "The user must finish setup at the institution."),
			},
			AvailableProducts: []fk.Product{fk.ProductTransactions},
		}},
		{link: fk.Link{
			// An older, UUID-shaped id.
			LinkID: "0b5c6a52-8a4e-4d2e-9d0b-3f1f5a8e7c11", InstitutionID: "usaa", InstitutionName: "USAA",
			InstitutionAvatar: "https://example.com/avatars/usaa.png",
			State:             fk.LinkStateConnected, ErrorCode: noError, Provider: ptr(fk.ProviderMoneykit),
			Tags: &[]string{"legacy"}, LinkTags: &[]string{"legacy"},
			Products:          fk.LinkProducts{Accounts: ok(5 * time.Hour), AccountNumbers: ok(5 * time.Hour)},
			AvailableProducts: []fk.Product{},
		}},
		{link: fk.Link{
			LinkID: DeletedLinkID, InstitutionID: "pnc", InstitutionName: "PNC Bank",
			InstitutionAvatar: "https://example.com/avatars/pnc.png",
			State:             fk.LinkStateDeleted, ErrorCode: noError, Provider: ptr(fk.ProviderFinicity),
			Products:          fk.LinkProducts{},
			AvailableProducts: []fk.Product{},
		}, opts: []LinkOption{DeletedAt(now.Add(-24 * time.Hour))}},
	}
	for _, l := range links {
		r := &record{link: l.link}
		for _, o := range l.opts {
			o(r)
		}
		f.links[l.link.LinkID] = r
	}
}
