package outbox

import (
	"context"
	"encoding/json"
	"slices"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// Submit carries out one client-to-server activity POSTed to actor's outbox and returns the
// id of the activity it made ("" for an Update, whose id the caller need not follow). A bare Note is wrapped in a Create, as ActivityPub says.
func (s *Service) Submit(ctx context.Context, actor *storage.Actor, body []byte) (string, error) {
	if err := federation.CheckJSON(body); err != nil {
		return "", err
	}
	var head struct {
		Type   string          `json:"type"`
		Actor  json.RawMessage `json:"actor"`
		Object json.RawMessage `json:"object"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return "", storage.Wrap(storage.Invalid, err, "body must be a JSON object")
	}
	if head.Type == "" {
		return "", storage.Errorf(storage.Invalid, "type is missing")
	}
	if head.Type == federation.TypeNote {
		return s.submitNote(ctx, actor, body)
	}
	if len(head.Actor) > 0 {
		var a string
		if json.Unmarshal(head.Actor, &a) != nil || a != actor.URI {
			return "", storage.Errorf(storage.Forbidden, "actor must be the outbox's owner")
		}
	}
	switch head.Type {
	case federation.TypeCreate, federation.TypeFollow, federation.TypeLike, federation.TypeAnnounce, federation.TypeUndo,
		federation.TypeDelete, federation.TypeUpdate, federation.TypeAccept, federation.TypeReject:
	default:
		return "", storage.Errorf(storage.Invalid, "unsupported activity type %q", head.Type)
	}
	obj, err := objectOf(head.Object)
	if err != nil {
		return "", err
	}
	switch head.Type {
	case federation.TypeCreate:
		if obj.Type != federation.TypeNote || obj.Raw == nil {
			return "", storage.Errorf(storage.Invalid, "Create must carry a Note")
		}
		return s.submitNote(ctx, actor, obj.Raw)
	case federation.TypeFollow:
		f, err := s.Follow(ctx, actor, obj.ID)
		if err != nil {
			return "", err
		}
		return f.URI, nil
	case federation.TypeLike, federation.TypeAnnounce:
		r, err := s.React(ctx, actor, storage.ReactionKind(head.Type), obj.ID)
		if err != nil {
			return "", err
		}
		return r.URI, nil
	case federation.TypeUndo:
		return s.submitUndo(ctx, actor, obj)
	case federation.TypeDelete:
		return uris.Delete(obj.ID), s.DeleteNote(ctx, actor, obj.ID)
	case federation.TypeUpdate:
		return s.submitUpdate(ctx, actor, obj)
	case federation.TypeAccept, federation.TypeReject:
		return s.submitAnswer(ctx, actor, head.Type == federation.TypeAccept, obj)
	}
	return "", storage.Errorf(storage.Invalid, "unsupported activity type %q", head.Type)
}

// objectOf reads an activity's object: a link, or an embedded object with an id and a type.
func objectOf(raw json.RawMessage) (federation.Object, error) {
	var id string
	if json.Unmarshal(raw, &id) == nil && id != "" {
		return federation.Object{ID: id}, nil
	}
	var o struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &o) != nil {
		return federation.Object{}, storage.Errorf(storage.Invalid, "object must be an id or an object")
	}
	return federation.Object{ID: o.ID, Type: o.Type, Raw: raw}, nil
}

// c2sNote is what a client may send as a Note.
type c2sNote struct {
	Content    string            `json:"content"`
	ContentMap map[string]string `json:"contentMap"`
	Summary    string            `json:"summary"`
	Sensitive  bool              `json:"sensitive"`
	InReplyTo  string            `json:"inReplyTo"`
	To         audience          `json:"to"`
	Cc         audience          `json:"cc"`
}

// audience decodes an addressing field that may be one string or a list.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return storage.Errorf(storage.Invalid, "to and cc must be strings or lists of strings")
	}
	*a = many
	return nil
}

func (s *Service) submitNote(ctx context.Context, actor *storage.Actor, raw []byte) (string, error) {
	var n c2sNote
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", storage.Wrap(storage.Invalid, err, "malformed Note")
	}
	in := NoteInput{Content: n.Content, ContentMap: n.ContentMap, Summary: n.Summary, Sensitive: n.Sensitive,
		InReplyTo: n.InReplyTo}
	visibility, mentions := visibilityFrom(n.To, n.Cc, actor.FollowersURI)
	in.Visibility, in.Mentions = string(visibility), mentions
	if len(n.ContentMap) > 0 && n.Content == "" {
		in.Language = firstLanguage(n.ContentMap, "")
	}
	for _, uri := range in.Mentions {
		if _, err := s.findActor(ctx, uri); err != nil {
			return "", storage.Wrap(storage.Invalid, err, "cannot address "+uri)
		}
	}
	_, act, err := s.PostNote(ctx, actor, in)
	if err != nil {
		return "", err
	}
	return act.URI, nil
}

// visibilityFrom reads Mastodon's visibility from a client's addressing; with none it is public.
func visibilityFrom(to, cc []string, followers string) (storage.Visibility, []string) {
	var others []string
	for _, x := range append(slices.Clone(to), cc...) {
		if x != federation.PublicCollection && x != followers && x != "as:Public" && x != "Public" {
			others = append(others, x)
		}
	}
	if len(to) == 0 && len(cc) == 0 {
		return storage.Public, nil
	}
	return federation.VisibilityOf(to, cc, followers), others
}

func (s *Service) submitUndo(ctx context.Context, actor *storage.Actor, obj federation.Object) (string, error) {
	if f, err := s.DB.GetFollowByURI(ctx, obj.ID); err == nil && f.FollowerID == actor.ID {
		t, err := s.DB.GetActorByID(ctx, f.FolloweeID)
		if err != nil {
			return "", err
		}
		return uris.Undo(f.URI), s.Unfollow(ctx, actor, t.URI)
	}
	for _, kind := range []storage.ReactionKind{storage.Like, storage.Announce} {
		r, err := s.DB.GetReactionByURI(ctx, kind, obj.ID)
		if err != nil {
			continue
		}
		if r.ActorID != actor.ID {
			return "", storage.Errorf(storage.Forbidden, "that %s is not yours", kind)
		}
		n, err := s.DB.GetNoteByID(ctx, r.NoteID)
		if err != nil {
			return "", err
		}
		return uris.Undo(r.URI), s.Unreact(ctx, actor, kind, n.URI)
	}
	return "", storage.Errorf(storage.NotFound, "nothing of yours to undo with id %q", obj.ID)
}

func (s *Service) submitUpdate(ctx context.Context, actor *storage.Actor, obj federation.Object) (string, error) {
	if obj.Raw == nil {
		return "", storage.Errorf(storage.Invalid, "Update must carry the updated object")
	}
	if obj.ID == actor.URI {
		return "", s.submitProfile(ctx, actor, obj)
	}
	var n c2sNote
	if err := json.Unmarshal(obj.Raw, &n); err != nil {
		return "", storage.Wrap(storage.Invalid, err, "malformed Note")
	}
	_, err := s.UpdateNote(ctx, actor, obj.ID, NoteInput{Content: n.Content, ContentMap: n.ContentMap,
		Summary: n.Summary, Sensitive: n.Sensitive})
	return "", err
}

func (s *Service) submitAnswer(ctx context.Context, actor *storage.Actor, accept bool, obj federation.Object) (string, error) {
	f, err := s.DB.GetFollowByURI(ctx, obj.ID)
	if err != nil && obj.Raw != nil {
		var inner struct {
			Actor string `json:"actor"`
		}
		json.Unmarshal(obj.Raw, &inner)
		if a, gerr := s.DB.GetActorByURI(ctx, inner.Actor); gerr == nil {
			f, err = s.DB.GetFollow(ctx, a.ID, actor.ID)
		}
	}
	if err != nil || f.FolloweeID != actor.ID {
		return "", storage.Errorf(storage.NotFound, "no follow request %q for you", obj.ID)
	}
	if f.Accepted && accept {
		return "", storage.Errorf(storage.Conflict, "that follow is already accepted")
	}
	follower, err := s.DB.GetActorByID(ctx, f.FollowerID)
	if err != nil {
		return "", err
	}
	return s.AnswerFollowRequest(ctx, actor, follower.URI, accept)
}

// submitProfile carries out a C2S Update of the account's own Person. The bio's typed text
// is its source (text/plain), as Mastodon's API keeps it; without one, a bio or field value
// sent back as it is served keeps its typed text, and other HTML is read back with
// TypedText, so that a client that edits only the name loses no link.
func (s *Service) submitProfile(ctx context.Context, actor *storage.Actor, obj federation.Object) error {
	doc, err := obj.Actor()
	if err != nil {
		return err
	}
	var extra struct {
		Source *struct {
			Content   string `json:"content"`
			MediaType string `json:"mediaType"`
		} `json:"source"`
		AlsoKnownAs json.RawMessage `json:"alsoKnownAs"`
	}
	json.Unmarshal(obj.Raw, &extra) // obj.Actor read it already; only a source is sought here
	current := ProfileOf(actor)
	in := ProfileInput{Name: doc.Name, Locked: doc.ManuallyApprovesFollowers}
	switch {
	case extra.Source != nil && (extra.Source.MediaType == "" || extra.Source.MediaType == "text/plain"):
		in.Summary = extra.Source.Content
	case doc.Summary == actor.Summary:
		in.Summary = current.Summary
	default:
		in.Summary = TypedText(doc.Summary)
	}
	for _, f := range doc.Fields {
		value := TypedText(f.Value)
		for i, old := range actor.Fields {
			if old.Name == f.Name && old.Value == f.Value {
				value = current.Fields[i].Value
				break
			}
		}
		in.Fields = append(in.Fields, storage.Field{Name: f.Name, Value: value})
	}
	if extra.AlsoKnownAs != nil {
		// Aliases change only when the Update names them: a client that edits the name
		// alone sends no alsoKnownAs, and must not clear them. They go first, since an
		// alias that is no account refuses the whole Update.
		if actor, err = s.SetAliases(ctx, actor, doc.AlsoKnownAs); err != nil {
			return err
		}
	}
	_, err = s.UpdateProfile(ctx, actor, in)
	return err
}
