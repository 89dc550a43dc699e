package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

// printer writes results: a readable summary, or JSON with --json. Errors go to stderr.
type printer struct {
	stdout, stderr io.Writer
	json           bool
}

// result prints err, or runs ok, and returns the exit code.
func (p *printer) result(err error, ok func() error) int {
	if err == nil {
		if err := ok(); err != nil {
			fmt.Fprintf(p.stderr, "moneykit: writing output: %v\n", err)
			return exitInternal
		}
		return exitOK
	}
	var apiErr *wrapper.Error
	switch {
	case errors.As(err, &apiErr):
		code := string(apiErr.Code)
		if code == "" {
			code = "http_" + fmt.Sprint(apiErr.StatusCode)
		}
		msg := apiErr.Message
		if msg == "" {
			msg = apiErr.Error()
		}
		fmt.Fprintf(p.stderr, "moneykit: %s: %s (HTTP %d)\n", code, msg, apiErr.StatusCode)
		for _, v := range apiErr.ValidationErrors {
			fmt.Fprintf(p.stderr, "  %s\n", v)
		}
		if apiErr.RetryAfter > 0 {
			fmt.Fprintf(p.stderr, "  retry after %s\n", apiErr.RetryAfter)
		}
		if p.json {
			p.writeJSON(map[string]any{"error": map[string]any{
				"status": apiErr.StatusCode, "error_code": apiErr.Code, "error_message": apiErr.Message,
				"link_error_code": apiErr.LinkErrorCode, "retry_after_seconds": apiErr.RetryAfter.Seconds(),
			}})
		}
		return exitAPI
	case errors.Is(err, wrapper.ErrInvalidLinkID), errors.Is(err, wrapper.ErrInvalidWebhook):
		fmt.Fprintln(p.stderr, err)
		return exitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(p.stderr, "moneykit: interrupted")
		return exitNetwork
	default:
		fmt.Fprintf(p.stderr, "moneykit: network error: %v\n", err)
		return exitNetwork
	}
}

func (p *printer) writeJSON(v any) error {
	enc := json.NewEncoder(p.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (p *printer) link(l *wrapper.Link) error {
	if p.json {
		return p.writeJSON(l)
	}
	hook := "(none)"
	if v, err := l.Webhook.Get(); err == nil {
		hook = v
	}
	tags := "(none)"
	if l.LinkTags != nil && len(*l.LinkTags) > 0 {
		tags = strings.Join(*l.LinkTags, ", ")
	}
	provider := ""
	if l.Provider != "" {
		provider = ", via " + string(l.Provider)
	}
	_, err := fmt.Fprintf(p.stdout, "Updated link %s (%s, %s%s)\n  webhook:   %s\n  link_tags: %s\n", l.LinkID, l.InstitutionName, l.State, provider, hook, tags)
	return err
}

func (p *printer) deleted(id string) error {
	if p.json {
		return p.writeJSON(map[string]any{"link_id": id, "deleted": true})
	}
	_, err := fmt.Fprintf(p.stdout, "Deleted link %s\n", id)
	return err
}
