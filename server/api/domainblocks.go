package api

import (
	"net/http"

	"refuge/storage"
)

// domainBlocks answers the servers the viewer blocks, newest first, as Mastodon's list of
// domain names, paged by the blocks (Link header).
func (h *Handler) domainBlocks(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	p, err := pagingOf(r, domainBlocksLimit, domainBlocksMax, plainRow)
	if err != nil {
		return err
	}
	blocks, err := h.Read.DomainBlocks(r.Context(), viewer.ID, p.page)
	if err != nil {
		return err
	}
	blocks = sinceCut(blocks, p.since, func(b *storage.AccountDomainBlock) string { return rowID(b.ID) })
	out := []string{}
	for _, b := range blocks {
		out = append(out, b.Domain)
	}
	if len(blocks) > 0 {
		link(w, r, h.URIs.Base(), rowID(blocks[0].ID), rowID(blocks[len(blocks)-1].ID))
	}
	return ok(w, out)
}

// blockDomain blocks the server of the domain parameter for the viewer (outbox.BlockDomain)
// and answers an empty object, as Mastodon.
func (h *Handler) blockDomain(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	if _, err := h.Outbox.BlockDomain(r.Context(), viewer, q.Get("domain")); err != nil {
		return err
	}
	return ok(w, struct{}{})
}

// unblockDomain lifts the viewer's block of the domain parameter; one not blocked is no
// error, as on Mastodon.
func (h *Handler) unblockDomain(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	if err := h.Outbox.UnblockDomain(r.Context(), viewer, q.Get("domain")); err != nil && storage.KindOf(err) != storage.NotFound {
		return err
	}
	return ok(w, struct{}{})
}
