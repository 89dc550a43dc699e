package moneykittest

import (
	"context"
	"slices"

	"github.com/oapi-codegen/nullable"

	fk "github.com/halyard-labs/moneykit-go/moneykittest/internal/fakeapi"
)

// handlers implements the generated strict server interface: the business rules of the
// links API. Authentication and request validation have passed by the time they run. The
// rules that refuse an operation are in refusals.go.
type handlers struct{ f *Fake }

var _ fk.StrictServerInterface = (*handlers)(nil)

func (h *handlers) UpdateLink(_ context.Context, req fk.UpdateLinkRequestObject) (fk.UpdateLinkResponseObject, error) {
	f := h.f
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	r, no := f.change(req.ID, opPatch, now)
	if no != nil {
		return refuse[fk.UpdateLinkResponseObject, fk.UpdateLink403JSONResponse, fk.UpdateLink404JSONResponse,
			fk.UpdateLink410JSONResponse, fk.UpdateLink422JSONResponse, fk.UpdateLink429JSONResponse](no)
	}
	if req.Body != nil {
		update(&r.link, *req.Body)
	}
	return fk.UpdateLink200JSONResponse(r.link), nil
}

func (h *handlers) DeleteLink(_ context.Context, req fk.DeleteLinkRequestObject) (fk.DeleteLinkResponseObject, error) {
	f := h.f
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	r, no := f.change(req.ID, opDelete, now)
	if no != nil {
		return refuse[fk.DeleteLinkResponseObject, fk.DeleteLink403JSONResponse, fk.DeleteLink404JSONResponse,
			fk.DeleteLink410JSONResponse, fk.DeleteLink422JSONResponse, fk.DeleteLink429JSONResponse](no)
	}
	r.deletedAt = now
	r.link.State = fk.LinkStateDeleted
	if f.delete204 {
		return fk.DeleteLink204Response{}, nil
	}
	return fk.DeleteLink200JSONResponse{}, nil
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
