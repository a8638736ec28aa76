package api

import (
	"net/url"
	"slices"

	"refuge/storage"
)

// GoToSocial's interaction policies in its client API: who may reply to, like and boost a
// status, each a list of who is let in at once and who after the author's approval, in
// words ("public", "followers", "mentioned", "author").

// InteractionPolicy is a status's interaction_policy, as GoToSocial shows it.
type InteractionPolicy struct {
	CanFavourite PolicyRule `json:"can_favourite"`
	CanReply     PolicyRule `json:"can_reply"`
	CanReblog    PolicyRule `json:"can_reblog"`
}

// PolicyRule is one rule of an InteractionPolicy.
type PolicyRule struct {
	Automatic []string `json:"automatic_approval"`
	Manual    []string `json:"manual_approval"`
}

func rule(automatic []string, manual ...string) PolicyRule {
	return PolicyRule{Automatic: automatic, Manual: append([]string{}, manual...)}
}

// interactionPolicyOf is n's policy, as stored: a local post's reply policy is its own
// (anyone may like it, and boost it when it is public or unlisted); a remote post's are what
// its server said (canReply, canLike, canAnnounce), each open to anyone when it said nothing.
func interactionPolicyOf(n *storage.Note) *InteractionPolicy {
	p := &InteractionPolicy{CanFavourite: ruleOf(n.LikePolicy, "author"), CanReply: ruleOf(n.ReplyPolicy, "author", "mentioned"),
		CanReblog: ruleOf(n.AnnouncePolicy, "author")}
	if n.Visibility != storage.Public && n.Visibility != storage.Unlisted {
		p.CanReblog = rule([]string{"author"})
	}
	return p
}

// ruleOf is the rule a stored policy makes: always lists who is let in besides the public
// or the followers.
func ruleOf(policy storage.QuotePolicy, always ...string) PolicyRule {
	switch policy {
	case "", storage.QuotePublic:
		return rule([]string{"public"})
	case storage.QuoteFollowers:
		return rule(append(always[:1:1], append([]string{"followers"}, always[1:]...)...))
	case storage.QuoteManual:
		return rule(always, "public")
	}
	return rule(always)
}

// replyPolicyParam reads who may reply to a new status from GoToSocial's
// interaction_policy[can_reply] (automatic_approval, or always as it was once called): "" when
// the app says nothing, else public when it names public, followers when it names
// followers, nobody (those mentioned, and the author) otherwise. Refuge does not hold
// replies for approval, nor knows "following" or "mutuals" lists: those are refused.
func replyPolicyParam(q url.Values) (string, error) {
	const base = "interaction_policy[can_reply]"
	var automatic, manual []string
	for _, name := range []string{"[automatic_approval]", "[always]"} {
		list, err := listParam(q, base+name, 16)
		if err != nil {
			return "", err
		}
		automatic = append(automatic, list...)
	}
	for _, name := range []string{"[manual_approval]", "[with_approval]"} {
		list, err := listParam(q, base+name, 16)
		if err != nil {
			return "", err
		}
		manual = append(manual, list...)
	}
	if len(manual) > 0 {
		return "", storage.Errorf(storage.Invalid, "%s: replies are not held for approval here; name who may reply in automatic_approval", base)
	}
	if len(automatic) == 0 {
		return "", nil
	}
	for _, who := range automatic {
		switch who {
		case "public", "followers", "mentioned", "author", "me":
		default:
			return "", storage.Errorf(storage.Invalid, "%s may name public, followers, mentioned and author, not %q", base, who)
		}
	}
	switch {
	case slices.Contains(automatic, "public"):
		return string(storage.QuotePublic), nil
	case slices.Contains(automatic, "followers"):
		return string(storage.QuoteFollowers), nil
	}
	return string(storage.QuoteNobody), nil
}
