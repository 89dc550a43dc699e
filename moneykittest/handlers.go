package moneykittest

import (
	"context"
	"slices"
	"time"

	"github.com/oapi-codegen/nullable"

	fk "github.com/halyard-labs/moneykit-go/moneykittest/internal/fakeapi"
)

// handlers implements the generated strict server interface: the business rules of the
// links API. Authentication and request validation have passed by the time they run. Each
// runs through onLink, which applies the rules that refuse an operation (refusals.go).
type handlers struct{ f *Fake }

var _ fk.StrictServerInterface = (*handlers)(nil)

func (h *handlers) UpdateLink(_ context.Context, req fk.UpdateLinkRequestObject) (fk.UpdateLinkResponseObject, error) {
	refused := refuse[fk.UpdateLinkResponseObject, fk.UpdateLink403JSONResponse, fk.UpdateLink404JSONResponse,
		fk.UpdateLink410JSONResponse, fk.UpdateLink422JSONResponse, fk.UpdateLink429JSONResponse]
	return onLink(h.f, req.ID, opPatch, refused, func(r *record, _ time.Time) fk.UpdateLinkResponseObject {
		if req.Body != nil {
			update(&r.link, *req.Body)
		}
		return fk.UpdateLink200JSONResponse(r.link)
	})
}

func (h *handlers) DeleteLink(_ context.Context, req fk.DeleteLinkRequestObject) (fk.DeleteLinkResponseObject, error) {
	refused := refuse[fk.DeleteLinkResponseObject, fk.DeleteLink403JSONResponse, fk.DeleteLink404JSONResponse,
		fk.DeleteLink410JSONResponse, fk.DeleteLink422JSONResponse, fk.DeleteLink429JSONResponse]
	return onLink(h.f, req.ID, opDelete, refused, func(r *record, now time.Time) fk.DeleteLinkResponseObject {
		r.deletedAt = now
		r.link.State = fk.LinkStateDeleted
		if h.f.delete204 {
			return fk.DeleteLink204Response{}
		}
		return fk.DeleteLink200JSONResponse{}
	})
}

// update applies a PATCH body to a link. Absent leaves a field alone; a webhook of null
// removes it (the link then says null); a value sets it.
func update(link *fk.Link, body fk.UpdateLinkRequest) {
	if body.Webhook.IsSpecified() {
		if hook, err := body.Webhook.Get(); err == nil {
			link.Webhook = nullable.NewNullableWithValue(hook)
		} else {
			link.Webhook = nullable.NewNullNullable[string]()
		}
	}
	if body.LinkTags != nil {
		link.LinkTags = cloneTags(*body.LinkTags)
	}
	if body.Tags != nil { // deprecated, still accepted
		link.Tags = cloneTags(*body.Tags)
	}
}

// cloneTags copies a tag list; an empty one stays an empty list, not null.
func cloneTags(tags []string) *[]string {
	c := slices.Clone(tags)
	if c == nil {
		c = []string{}
	}
	return &c
}
