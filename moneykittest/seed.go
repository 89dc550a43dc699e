package moneykittest

import (
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/halyard-labs/moneykit-go/api"
	fk "github.com/halyard-labs/moneykit-go/moneykittest/internal/fakeapi"
)

func ptr[T any](v T) *T { return &v }

// seed fills the store with realistic links: several institutions, every provider, every
// state, products with and without errors and with and without settings, tags and webhooks.
// The links that answer a PATCH (not restricted, bad-state or deleted) between them send
// every field the spec defines, each product both with and without settings, and
// has_history both true and false (TestSeedCoversTheSpec checks it).
func (f *Fake) seed() {
	now := f.now().UTC().Truncate(time.Second)
	at := func(ago time.Duration) *api.Timestamp { return &api.Timestamp{Time: now.Add(-ago)} }
	ok := func(ago time.Duration, settings *fk.ProductSettings) *fk.ProductState {
		return &fk.ProductState{RefreshedAt: at(ago), LastAttemptedAt: at(ago), Settings: settings}
	}
	failed := func(code fk.ProductErrorCode, msg string) *fk.ProductState {
		return &fk.ProductState{RefreshedAt: at(30 * time.Hour), LastAttemptedAt: at(time.Hour), ErrorCode: &code, ErrorMessage: &msg}
	}
	// transactions is p with has_history, which the live API always sends for transactions.
	transactions := func(p *fk.ProductState, hasHistory bool) *fk.TransactionsProductState {
		return &fk.TransactionsProductState{
			RefreshedAt: p.RefreshedAt, LastAttemptedAt: p.LastAttemptedAt, ErrorCode: p.ErrorCode,
			ErrorMessage: p.ErrorMessage, Unavailable: p.Unavailable, Settings: p.Settings,
			HasHistory: hasHistory,
		}
	}
	required := &fk.ProductSettings{Required: ptr(true), RequirePermission: ptr(false), Prefetch: ptr(true)}
	unavailable := &fk.ProductState{Unavailable: ptr("Not offered by this institution.")}
	noError := nullable.NewNullNullable[fk.LinkErrorCode]()
	errCode := func(c fk.LinkErrorCode) nullable.Nullable[fk.LinkErrorCode] { return nullable.NewNullableWithValue(c) }
	noHook := nullable.NewNullNullable[string]()
	hook := nullable.NewNullableWithValue[string]

	links := []struct {
		link fk.Link
		opts []LinkOption
	}{
		{link: fk.Link{
			LinkID: SeedLinkID, InstitutionID: "chase", InstitutionName: "Chase",
			InstitutionAvatar: "https://example.com/avatar.png",
			State:             fk.LinkStateConnected, ErrorCode: noError, Provider: fk.ProviderMx,
			LinkTags: &[]string{"smoke_test", "user_type:admin"}, Webhook: hook("https://example.com/webhook"),
			LastSyncedAt: at(2 * time.Hour),
			Products: fk.LinkProducts{
				Accounts: ok(2*time.Hour, required),
				Transactions: transactions(ok(2*time.Hour, &fk.ProductSettings{
					Required: ptr(true), RequirePermission: ptr(false), Prefetch: ptr(true),
					Reason: ptr("show your spending by category"),
				}), true),
				Identity:       ok(26*time.Hour, nil),
				AccountNumbers: failed(fk.ProductErrorCodeRateLimit, "The institution rate-limited the last refresh."),
			},
			AvailableProducts: []fk.Product{fk.ProductInvestments, fk.ProductEnrichment},
		}},
		{link: fk.Link{
			LinkID: "mk_4NwQa7ZrTb1XyEhK8sJdLc", InstitutionID: "wells_fargo", InstitutionName: "Wells Fargo",
			InstitutionAvatar: "https://example.com/avatars/wells_fargo.png",
			State:             fk.LinkStateConnected, ErrorCode: noError, Provider: fk.ProviderPlaid,
			LinkTags: &[]string{"cohort:2024-q1"}, Webhook: noHook,
			Products: fk.LinkProducts{
				Accounts: ok(time.Hour, nil), Transactions: transactions(ok(time.Hour, nil), true), Investments: unavailable,
			},
			AvailableProducts: []fk.Product{fk.ProductIdentity, fk.ProductAccountNumbers},
		}},
		{link: fk.Link{
			LinkID: "mk_6VbHs2KpQm8CjRwY3tNxAf", InstitutionID: "bank_of_america", InstitutionName: "Bank of America",
			InstitutionAvatar: "https://example.com/avatars/bank_of_america.png",
			State:             fk.LinkStateConnecting, ErrorCode: noError, Provider: fk.ProviderFinicity,
			Webhook:           noHook,
			Products:          fk.LinkProducts{},
			AvailableProducts: []fk.Product{fk.ProductAccounts, fk.ProductTransactions},
		}},
		{link: fk.Link{
			LinkID: "mk_1XcVb5NmLk3JhGf7DsAqWe", InstitutionID: "capital_one", InstitutionName: "Capital One",
			InstitutionAvatar: "https://example.com/avatars/capital_one.png",
			State:             fk.LinkStateAwaitingTokenExchange, ErrorCode: noError, Provider: fk.ProviderYodlee,
			Webhook: hook("https://hooks.example.com/moneykit/capital_one"),
			Products: fk.LinkProducts{
				Accounts: &fk.ProductState{},
				Identity: &fk.ProductState{Settings: &fk.ProductSettings{
					Required: ptr(false), RequirePermission: ptr(true), Reason: ptr("confirm who owns the account"),
				}},
				Investments: &fk.ProductState{Settings: &fk.ProductSettings{Required: ptr(false), RequirePermission: ptr(false), Prefetch: ptr(false)}},
			},
			AvailableProducts: []fk.Product{fk.ProductTransactions},
		}},
		{link: fk.Link{
			LinkID: BadStateLinkID, InstitutionID: "citi", InstitutionName: "Citi",
			InstitutionAvatar: "https://example.com/avatars/citi.png",
			State:             fk.LinkStateError, ErrorCode: errCode(fk.LinkErrorCodeAuthExpired), Provider: fk.ProviderMx,
			LinkTags: &[]string{"needs_relink"}, Webhook: noHook,
			LastSyncedAt: at(10 * 24 * time.Hour),
			Products: fk.LinkProducts{
				Accounts:     failed(fk.ProductErrorCodeAuthExpired, "The user's credentials have expired."),
				Transactions: transactions(failed(fk.ProductErrorCodeAuthExpired, "The user's credentials have expired."), true),
			},
			AvailableProducts: []fk.Product{},
		}, opts: []LinkOption{BadState(string(fk.LinkErrorCodeAuthExpired))}},
		{link: fk.Link{
			LinkID: ForbiddenLinkID, InstitutionID: "charles_schwab", InstitutionName: "Charles Schwab",
			InstitutionAvatar: "https://example.com/avatars/charles_schwab.png",
			State:             fk.LinkStateConnected, ErrorCode: noError, Provider: fk.ProviderAkoya,
			Webhook: noHook,
			Products: fk.LinkProducts{
				Accounts: ok(3*time.Hour, nil), Investments: ok(3*time.Hour, required), Enrichment: ok(3*time.Hour, nil),
			},
			AvailableProducts: []fk.Product{},
		}, opts: []LinkOption{Restricted()}},
		{link: fk.Link{
			LinkID: "mk_8PzEr6TyUi0OlKjHg2FdSa", InstitutionID: "moneykit_sandbox", InstitutionName: "MoneyKit Sandbox Bank",
			InstitutionAvatar: "https://example.com/avatars/moneykit_sandbox.png",
			State:             fk.LinkStateError, ErrorCode: errCode(fk.LinkErrorCodeUserSetupRequired), Provider: fk.ProviderMoneykit,
			Webhook: noHook,
			Products: fk.LinkProducts{
				Accounts:     failed(fk.ProductErrorCodeInstitutionError, "The user must finish setup at the institution."),
				Transactions: transactions(&fk.ProductState{LastAttemptedAt: at(time.Hour)}, false),
				Enrichment:   &fk.ProductState{Settings: &fk.ProductSettings{Prefetch: ptr(false), Reason: ptr("label your transactions")}},
			},
			AvailableProducts: []fk.Product{fk.ProductAccountNumbers},
		}},
		{link: fk.Link{
			// An older, UUID-shaped id.
			LinkID: "0b5c6a52-8a4e-4d2e-9d0b-3f1f5a8e7c11", InstitutionID: "usaa", InstitutionName: "USAA",
			InstitutionAvatar: "https://example.com/avatars/usaa.png",
			State:             fk.LinkStateConnected, ErrorCode: noError, Provider: fk.ProviderMoneykit,
			Tags: &[]string{"legacy"}, LinkTags: &[]string{"legacy"}, Webhook: noHook,
			Products: fk.LinkProducts{
				Accounts: ok(5*time.Hour, nil), AccountNumbers: ok(5*time.Hour, required), Enrichment: ok(5*time.Hour, nil),
			},
			AvailableProducts: []fk.Product{},
		}},
		{link: fk.Link{
			LinkID: DeletedLinkID, InstitutionID: "pnc", InstitutionName: "PNC Bank",
			InstitutionAvatar: "https://example.com/avatars/pnc.png",
			State:             fk.LinkStateDeleted, ErrorCode: noError, Provider: fk.ProviderFinicity,
			Webhook:           noHook,
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
