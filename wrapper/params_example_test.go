package wrapper_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/url"
	"strings"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// Bad input is refused before anything is sent.
func ExampleSetWebhook() {
	c, err := wrapper.New("token")
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.UpdateLink(context.Background(), "mk_eqkWN34UEoa2NxyALG8pcV", wrapper.UpdateParams{
		Webhook: wrapper.SetWebhook("javascript:alert(1)"),
	})
	fmt.Println(errors.Is(err, wrapper.ErrInvalidWebhook))
	fmt.Println(err)
	// Output:
	// true
	// moneykit: invalid webhook URL: scheme "javascript": must be an absolute http or https URL
}

// Remove the webhook: the request carries "webhook": null.
func ExampleRemoveWebhook() {
	srv, c := fakeAPI()
	defer srv.Close()

	link, err := c.UpdateLink(context.Background(), moneykittest.SeedLinkID, wrapper.UpdateParams{
		Webhook: wrapper.RemoveWebhook(),
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = link.Webhook.Get() // the link says "webhook": null
	fmt.Println("webhook removed:", err != nil)
	fmt.Println(lastBody(srv))
	// Output:
	// webhook removed: true
	// {"webhook":null}
}

// Replace the link's tags. The list is copied: changing the slice afterwards changes
// nothing.
func ExampleSetLinkTags() {
	srv, c := fakeAPI()
	defer srv.Close()

	tags := []string{"cohort:2026-11", "vip"}
	p := wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags(tags...)}
	tags[1] = "churned"
	link, err := c.UpdateLink(context.Background(), moneykittest.SeedLinkID, p)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*link.LinkTags)
	// Output: [cohort:2026-11 vip]
}

// Remove the tags of the links of a cohort: each request carries "link_tags": [].
func ExampleClearLinkTags() {
	srv, c := fakeAPI()
	defer srv.Close()

	cohort := wrapper.IDsFromSlice([]string{moneykittest.SeedLinkID, "mk_4NwQa7ZrTb1XyEhK8sJdLc"})
	p := wrapper.UpdateParams{LinkTags: wrapper.ClearLinkTags()}
	sum, err := c.UpdateLinks(context.Background(), cohort, p, wrapper.BulkOptions{Rate: fakeAPIRate})
	if err != nil {
		log.Fatal(err)
	}
	link, ok := srv.Link("mk_4NwQa7ZrTb1XyEhK8sJdLc")
	if !ok {
		log.Fatal("the fake has no link mk_4NwQa7ZrTb1XyEhK8sJdLc")
	}
	fmt.Println(sum.Done, lastBody(srv), *link.LinkTags)
	// Output: 2 {"link_tags":[]} []
}

// Build the params from input whose fields are optional: a field left at its zero value
// is not sent, so the link keeps that setting.
func ExampleUpdateParams() {
	srv, c := fakeAPI()
	defer srv.Close()

	form := struct { // say, decoded from a request that gave tags and no webhook
		Webhook string
		Tags    []string
	}{Tags: []string{"vip"}}
	var p wrapper.UpdateParams // changes nothing yet
	if form.Webhook != "" {
		p.Webhook = wrapper.SetWebhook(form.Webhook)
	}
	if form.Tags != nil {
		p.LinkTags = wrapper.SetLinkTags(form.Tags...)
	}
	link, err := c.UpdateLink(context.Background(), moneykittest.SeedLinkID, p)
	if err != nil {
		log.Fatal(err)
	}
	hook, err := link.Webhook.Get() // the link keeps its webhook
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(lastBody(srv))
	fmt.Println(hook, *link.LinkTags)
	// Output:
	// {"link_tags":["vip"]}
	// https://example.com/webhook [vip]
}

// The three states of a webhook change, and what each sends.
func ExampleWebhookChange() {
	srv, c := fakeAPI()
	defer srv.Close()

	for _, w := range []wrapper.WebhookChange{
		{}, // the zero value: leave the webhook as it is
		wrapper.SetWebhook("https://example.com/hooks/v3"),
		wrapper.RemoveWebhook(),
	} {
		link, err := c.UpdateLink(context.Background(), moneykittest.SeedLinkID, wrapper.UpdateParams{Webhook: w})
		if err != nil {
			log.Fatal(err)
		}
		hook, err := link.Webhook.Get()
		if err != nil {
			hook = "none" // "webhook": null
		}
		fmt.Printf("%v: sends %s, webhook now %s\n", w, lastBody(srv), hook)
	}
	// Output:
	// unchanged: sends {}, webhook now https://example.com/webhook
	// set https://example.com/hooks/v3: sends {"webhook":"https://example.com/hooks/v3"}, webhook now https://example.com/hooks/v3
	// remove: sends {"webhook":null}, webhook now none
}

// Check a webhook against your own policy before anything is sent: here, only hosts of
// your domain may receive the link's events.
func ExampleWebhookChange_URL() {
	allowed := func(w wrapper.WebhookChange) error {
		raw, ok := w.URL()
		if !ok {
			return nil // leaves or removes the webhook: no host to check
		}
		u, err := url.Parse(raw)
		if err != nil || !strings.HasSuffix(u.Hostname(), ".acme.example") {
			return fmt.Errorf("webhook %s: host not allowed", raw)
		}
		return nil
	}
	fmt.Println(allowed(wrapper.SetWebhook("https://hooks.acme.example/moneykit")))
	fmt.Println(allowed(wrapper.SetWebhook("https://requestbin.example.net/x")))
	fmt.Println(allowed(wrapper.RemoveWebhook()))
	// Output:
	// <nil>
	// webhook https://requestbin.example.net/x: host not allowed
	// <nil>
}

// Removing a webhook stops the link's events reaching you: make a job ask for it
// explicitly.
func ExampleWebhookChange_IsRemove() {
	srv, c := fakeAPI()
	defer srv.Close()
	update := func(p wrapper.UpdateParams, confirmRemove bool) error {
		if p.Webhook.IsRemove() && !confirmRemove {
			return errors.New("removing the webhook needs -confirm-remove")
		}
		_, err := c.UpdateLink(context.Background(), moneykittest.SeedLinkID, p)
		return err
	}

	p := wrapper.UpdateParams{Webhook: wrapper.RemoveWebhook()}
	fmt.Println(update(p, false), len(srv.Requests()))
	fmt.Println(update(p, true), len(srv.Requests()))
	// Output:
	// removing the webhook needs -confirm-remove 0
	// <nil> 1
}

// Record in your audit log only what a change touches.
func ExampleWebhookChange_IsZero() {
	audit := func(linkID string, p wrapper.UpdateParams) {
		var changed []string
		if !p.Webhook.IsZero() {
			changed = append(changed, "webhook "+p.Webhook.String())
		}
		if tags, ok := p.LinkTags.Tags(); ok {
			changed = append(changed, fmt.Sprintf("link_tags %q", tags))
		}
		fmt.Printf("audit %s: %s\n", linkID, strings.Join(changed, ", "))
	}
	audit(moneykittest.SeedLinkID, wrapper.UpdateParams{Webhook: wrapper.SetWebhook("https://hooks.acme.example/v2")})
	audit(moneykittest.SeedLinkID, wrapper.UpdateParams{LinkTags: wrapper.ClearLinkTags()})
	// Output:
	// audit mk_eqkWN34UEoa2NxyALG8pcV: webhook set https://hooks.acme.example/v2
	// audit mk_eqkWN34UEoa2NxyALG8pcV: link_tags []
}

// A dry run prints the plan instead of sending it.
func ExampleWebhookChange_String() {
	srv, c := fakeAPI()
	defer srv.Close()

	dryRun := true
	ids := []string{moneykittest.SeedLinkID, "mk_4NwQa7ZrTb1XyEhK8sJdLc"}
	p := wrapper.UpdateParams{Webhook: wrapper.SetWebhook("https://hooks.acme.example/v2")}
	for _, id := range ids {
		if dryRun {
			fmt.Printf("would update %s: webhook %v\n", id, p.Webhook)
			continue
		}
		if _, err := c.UpdateLink(context.Background(), id, p); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("requests sent:", len(srv.Requests()))
	// Output:
	// would update mk_eqkWN34UEoa2NxyALG8pcV: webhook set https://hooks.acme.example/v2
	// would update mk_4NwQa7ZrTb1XyEhK8sJdLc: webhook set https://hooks.acme.example/v2
	// requests sent: 0
}

// A command-line flag for the tags: absent, it leaves them; -tags= removes them all;
// -tags=a,b replaces them.
func ExampleLinkTagsChange() {
	srv, c := fakeAPI()
	defer srv.Close()

	for _, args := range [][]string{{}, {"-tags="}, {"-tags=vip,cohort:2026-11"}} {
		var tags wrapper.LinkTagsChange // the zero value leaves the tags
		fs := flag.NewFlagSet("relink", flag.ExitOnError)
		fs.Func("tags", "comma-separated link tags; empty removes them all", func(v string) error {
			// Not strings.Split, which makes one empty tag of "".
			tags = wrapper.SetLinkTags(strings.FieldsFunc(v, func(r rune) bool { return r == ',' })...)
			return nil
		})
		if err := fs.Parse(args); err != nil {
			log.Fatal(err)
		}
		if _, err := c.UpdateLink(context.Background(), moneykittest.SeedLinkID, wrapper.UpdateParams{LinkTags: tags}); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%v sends %s\n", args, lastBody(srv))
	}
	// Output:
	// [] sends {}
	// [-tags=] sends {"link_tags":[]}
	// [-tags=vip,cohort:2026-11] sends {"link_tags":["vip","cohort:2026-11"]}
}

// Refuse a run that would change nothing, rather than send empty requests.
func ExampleLinkTagsChange_IsZero() {
	check := func(p wrapper.UpdateParams) error {
		if p.Webhook.IsZero() && p.LinkTags.IsZero() {
			return errors.New("nothing to change: give a webhook or tags")
		}
		return nil
	}
	fmt.Println(check(wrapper.UpdateParams{}))
	fmt.Println(check(wrapper.UpdateParams{LinkTags: wrapper.ClearLinkTags()})) // removing them all is a change
	// Output:
	// nothing to change: give a webhook or tags
	// <nil>
}

// linkUpdater is what your code needs of the client; *wrapper.Client has it.
type linkUpdater interface {
	UpdateLink(ctx context.Context, id string, p wrapper.UpdateParams, opts ...wrapper.CallOption) (*wrapper.Link, error)
}

var _ linkUpdater = (*wrapper.Client)(nil)

// tagPlan is your code under test: it tags a customer's link with their plan.
func tagPlan(ctx context.Context, u linkUpdater, linkID, plan string) error {
	_, err := u.UpdateLink(ctx, linkID, wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("plan:" + plan)})
	return err
}

// recordingUpdater stands in for the client in a unit test, and keeps what it was asked.
type recordingUpdater struct{ got []wrapper.UpdateParams }

func (r *recordingUpdater) UpdateLink(_ context.Context, id string, p wrapper.UpdateParams, _ ...wrapper.CallOption) (*wrapper.Link, error) {
	r.got = append(r.got, p)
	return &wrapper.Link{LinkID: id}, nil
}

// In a unit test of your own code, read the tags it asked for.
func ExampleLinkTagsChange_Tags() {
	var rec recordingUpdater
	if err := tagPlan(context.Background(), &rec, moneykittest.SeedLinkID, "premium"); err != nil {
		log.Fatal(err)
	}
	tags, ok := rec.got[0].LinkTags.Tags()
	fmt.Println(tags, ok, rec.got[0].Webhook.IsZero())
	// Output: [plan:premium] true true
}
