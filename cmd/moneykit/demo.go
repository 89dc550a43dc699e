package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// demo walks through every operation on the embedded fake API.
func demo(ctx context.Context, o *opts, stdout, stderr io.Writer) int {
	srv, err := moneykittest.NewServer()
	if err != nil {
		return (&printer{stdout: stdout, stderr: stderr}).fail(internalFailure(fmt.Errorf("starting the embedded fake API: %w", err)))
	}
	defer srv.Close()
	fmt.Fprintf(stderr, "moneykit: demo on the embedded fake MoneyKit API at %s (no account needed)\n", srv.URL)
	wopts := []wrapper.Option{wrapper.WithBaseURL(srv.URL)}
	red := &redactor{}
	red.add(srv.Token())
	if o.verbose {
		wopts = append(wopts, wrapper.WithHTTPClient(&http.Client{Transport: &wireLogger{base: http.DefaultTransport, w: stdout, red: red}}))
	}
	c, err := wrapper.New(srv.Token(), wopts...)
	if err != nil {
		return (&printer{stdout: stdout, stderr: stderr}).fail(internalFailure(err))
	}
	out := &printer{stdout: stdout, stderr: stderr, red: red}
	id := moneykittest.SeedLinkID
	steps := []struct {
		title  string
		params wrapper.UpdateParams
	}{
		{"Set the webhook", wrapper.UpdateParams{Webhook: wrapper.SetWebhook("https://example.com/hooks/moneykit")}},
		{"Remove the webhook (\"webhook\": null)", wrapper.UpdateParams{Webhook: wrapper.RemoveWebhook()}},
		{"Set the link tags", wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("cohort:2026-11", "vip")}},
		{"Clear the link tags (\"link_tags\": [])", wrapper.UpdateParams{LinkTags: wrapper.ClearLinkTags()}},
	}
	for i, st := range steps {
		fmt.Fprintf(stdout, "== %d. %s: moneykit update %s\n", i+1, st.title, id)
		link, err := c.UpdateLink(ctx, id, st.params)
		if code := out.result("demo", err, func() error { return out.link("Updated link", link) }); code != exitOK {
			return code
		}
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stdout, "== 5. Delete the link: moneykit delete %s\n", id)
	if code := out.result("demo", c.DeleteLink(ctx, id), func() error { return out.deleted(id) }); code != exitOK {
		return code
	}
	fmt.Fprintf(stdout, "\n== 6. Delete it again: the API answers 410 link_error.deleted\n")
	err = c.DeleteLink(ctx, id)
	if !errors.Is(err, wrapper.ErrLinkDeleted) {
		fmt.Fprintf(stderr, "moneykit: demo: expected link_error.deleted, got %v\n", err)
		return exitInternal
	}
	var e *wrapper.Error
	errors.As(err, &e)
	fmt.Fprintf(stdout, "Got %d %s: %s (as expected)\n", e.StatusCode, out.text(string(e.Code)), out.text(e.Message))
	return exitOK
}
