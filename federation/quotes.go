package federation

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"refuge/storage"
)

// Quote posts, as FEP-044f (Mastodon 4.5) writes them: a note's quote is the post it quotes,
// and its quoteAuthorization the quoted author's approval stamp, a QuoteAuthorization that
// the quoted author's server serves. Who may quote a post is its interactionPolicy's
// canQuote (GoToSocial's vocabulary). A QuoteRequest asks for the approval: Accepted with
// the stamp as its result, or Rejected. Older servers name the quoted post with
// _misskey_quote, quoteUri, quoteUrl or a Link tag whose rel is _misskey_quote (FEP-e232),
// without any approval.

// Types of the quote vocabulary.
const (
	TypeQuoteRequest       = "QuoteRequest"
	TypeQuoteAuthorization = "QuoteAuthorization"
	TypeLink               = "Link"
)

// misskeyQuoteRel is the rel of a FEP-e232 link to the quoted post, in either spelling.
const misskeyQuoteRel = "_misskey_quote"

// SubPolicy is one sub-policy of an interactionPolicy (canQuote, canReply, ...): who is
// approved at once, and who only by the author's hand; each a list of actors and
// collections (as:Public, the author's followers).
type SubPolicy struct {
	Automatic, Manual []string
}

// QuoteAuthorization is an approval stamp: the quoted author (AttributedTo) approved the
// quote post InteractingObject of its post InteractionTarget.
type QuoteAuthorization struct {
	ID, AttributedTo, InteractingObject, InteractionTarget string
}

// quoteOf reads which post a note quotes: FEP-044f's quote first, then the older forms.
// legacy is that only an older form names it, which carries no approval.
func quoteOf(w *wireDoc) (uri string, legacy bool) {
	if q := idOf(w.Quote); q != "" {
		return q, false
	}
	for _, raw := range []json.RawMessage{w.MisskeyQuote, w.QuoteURI, w.QuoteURL} {
		if q := idOf(raw); q != "" {
			return q, true
		}
	}
	list, err := elements(w.Tag, maxTags, "tags")
	if err != nil {
		return "", false
	}
	for _, e := range list {
		var t struct{ Type, Rel, Href json.RawMessage }
		if json.Unmarshal(e, &t) != nil || text(t.Type) != TypeLink {
			continue
		}
		rels, _ := idList(t.Rel, 8, "rels")
		for _, rel := range rels {
			if strings.HasSuffix(rel, misskeyQuoteRel) {
				if href := hrefOf(t.Href); href != "" {
					return href, true
				}
			}
		}
	}
	return "", false
}

// canQuoteOf reads interactionPolicy.canQuote; nil when the note has no such policy.
func canQuoteOf(raw json.RawMessage) *SubPolicy { return subPolicyOf(raw, "canQuote") }

// subPolicyOf reads the sub-policy name (canQuote, canReply, ...) of an interactionPolicy,
// in GoToSocial's words of today (automaticApproval, manualApproval) or of before (always,
// approvalRequired); nil when the policy does not have it.
func subPolicyOf(raw json.RawMessage, name string) *SubPolicy {
	if isNull(raw) {
		return nil
	}
	var p map[string]json.RawMessage
	if json.Unmarshal(raw, &p) != nil || isNull(p[name]) {
		return nil
	}
	var sub struct{ AutomaticApproval, ManualApproval, Always, ApprovalRequired json.RawMessage }
	if json.Unmarshal(p[name], &sub) != nil {
		return nil
	}
	auto, _ := idList(sub.AutomaticApproval, maxTags, "approvals")
	manual, _ := idList(sub.ManualApproval, maxTags, "approvals")
	always, _ := idList(sub.Always, maxTags, "approvals")
	required, _ := idList(sub.ApprovalRequired, maxTags, "approvals")
	return &SubPolicy{Automatic: append(auto, always...), Manual: append(manual, required...)}
}

// QuotePolicyOf is what a remote note's sub-policy (canQuote, canReply) says of everyone
// who is not its author, in one word: anyone at once (Public among automatic approvals);
// anyone after the author's approval (Public among manual ones, which the followers may ask
// too); its followers at once; its followers after approval (said as manual); or nobody.
// "" when the note has no such policy.
func QuotePolicyOf(p *SubPolicy, followers string) storage.QuotePolicy {
	switch {
	case p == nil:
		return ""
	case hasPublic(p.Automatic):
		return storage.QuotePublic
	case hasPublic(p.Manual):
		return storage.QuoteManual // anyone may ask, followers too
	case followers != "" && slices.Contains(p.Automatic, followers):
		return storage.QuoteFollowers
	case followers != "" && slices.Contains(p.Manual, followers):
		return storage.QuoteManual
	}
	return storage.QuoteNobody
}

// CanQuoteFor is the canQuote sub-policy a local note of author advertises for its policy.
// Nobody is said with the author alone, since an empty list is no list in JSON-LD.
func CanQuoteFor(policy storage.QuotePolicy, author, followers string) *SubPolicy {
	switch policy {
	case storage.QuotePublic:
		return &SubPolicy{Automatic: []string{PublicCollection}}
	case storage.QuoteFollowers:
		return &SubPolicy{Automatic: []string{followers}}
	}
	return &SubPolicy{Automatic: []string{author}}
}

// CanReplyFor is the canReply of a local post whose reply policy is policy: anyone; the
// author's followers; or nobody else. The author and those the post mentions may always
// reply, and are named.
func CanReplyFor(policy storage.QuotePolicy, author, followers string, mentioned []string) *SubPolicy {
	switch policy {
	case "", storage.QuotePublic:
		return &SubPolicy{Automatic: []string{PublicCollection}}
	case storage.QuoteFollowers:
		return &SubPolicy{Automatic: append([]string{author, followers}, mentioned...)}
	}
	return &SubPolicy{Automatic: append([]string{author}, mentioned...)}
}

func hasPublic(list []string) bool {
	for _, s := range list {
		if s == PublicCollection || s == "as:Public" || s == "Public" {
			return true
		}
	}
	return false
}

// DecodeQuoteAuthorization decodes an approval stamp; Invalid unless it is one, with all
// its parts.
func DecodeQuoteAuthorization(data []byte) (*QuoteAuthorization, error) {
	var w wireDoc
	if err := decodeWire(data, &w, false); err != nil {
		return nil, err
	}
	a := &QuoteAuthorization{ID: text(w.ID), AttributedTo: idOf(w.AttributedTo),
		InteractingObject: idOf(w.InteractingObject), InteractionTarget: idOf(w.InteractionTarget)}
	if typ := text(w.Type); typ != TypeQuoteAuthorization {
		return nil, storage.Errorf(storage.Invalid, "a %q is not a QuoteAuthorization", typ)
	}
	if err := need("QuoteAuthorization", [2]string{"id", a.ID}, [2]string{"attributedTo", a.AttributedTo},
		[2]string{"interactingObject", a.InteractingObject}, [2]string{"interactionTarget", a.InteractionTarget}); err != nil {
		return nil, err
	}
	return a, nil
}

// quoteAuthorizationOut is a stamp as served.
type quoteAuthorizationOut struct {
	Context           any    `json:"@context"`
	ID                string `json:"id"`
	Type              string `json:"type"`
	AttributedTo      string `json:"attributedTo"`
	InteractingObject string `json:"interactingObject"`
	InteractionTarget string `json:"interactionTarget"`
}

// EncodeQuoteAuthorization writes a stamp.
func EncodeQuoteAuthorization(a *QuoteAuthorization) ([]byte, error) {
	return Marshal(&quoteAuthorizationOut{Context: contextValue, ID: a.ID, Type: TypeQuoteAuthorization,
		AttributedTo: a.AttributedTo, InteractingObject: a.InteractingObject, InteractionTarget: a.InteractionTarget})
}

// FetchQuoteAuthorization fetches the stamp at uri from its server, checked to be served at
// its id.
func (r *Remote) FetchQuoteAuthorization(ctx context.Context, uri string) (*QuoteAuthorization, error) {
	body, err := r.fetch(ctx, uri)
	if err != nil {
		return nil, err
	}
	return DecodeQuoteAuthorization(body)
}
