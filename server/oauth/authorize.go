package oauth

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"refuge/outbox"
	"refuge/server/httpx"
	"refuge/storage"
	"refuge/templates"
)

// request is an authorization request checked against its app: what the approval page shows
// and its form sends back.
type request struct {
	app   *storage.App
	grant outbox.Grant
	state string
}

// checkRequest reads an authorization request from v and checks it against the app it
// names. Its errors are shown on a page, never sent to the redirect URI: that is not to be
// trusted before it is found among the app's.
func (h *Handler) checkRequest(r *http.Request, v url.Values) (*request, error) {
	app, err := h.Outbox.App(r.Context(), v.Get("client_id"), "", false)
	if err != nil {
		return nil, storage.Errorf(storage.Invalid, "unknown client_id: the app is not registered here")
	}
	redirect := v.Get("redirect_uri")
	if redirect == "" && len(app.RedirectURIs) == 1 {
		redirect = app.RedirectURIs[0]
	}
	if !slices.Contains(app.RedirectURIs, redirect) {
		return nil, storage.Errorf(storage.Invalid, "redirect_uri is not one the app registered")
	}
	scopes, err := httpx.ParseScopes(v.Get("scope"), "read")
	if err != nil {
		return nil, err
	}
	if !httpx.AllowsAll(app.Scopes, scopes) {
		return nil, storage.Errorf(storage.Invalid, "the app asks for scopes it did not register (%s; registered: %s)", scopes, app.Scopes)
	}
	g := outbox.Grant{RedirectURI: redirect, Scopes: scopes, Challenge: v.Get("code_challenge"), Method: v.Get("code_challenge_method")}
	if g.Challenge != "" && g.Method == "" {
		g.Method = "plain" // RFC 7636 4.3
	}
	if g.Challenge != "" && g.Method != "S256" && g.Method != "plain" {
		return nil, storage.Errorf(storage.Invalid, "code_challenge_method must be S256 or plain")
	}
	return &request{app: app, grant: g, state: v.Get("state")}, nil
}

// authorizePage is GET /oauth/authorize: the approval page, once signed in (SignedIn brings
// a visitor back here after the sign-in form).
func (h *Handler) authorizePage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	v := r.URL.Query()
	if rt := v.Get("response_type"); rt != "code" {
		return storage.Errorf(storage.Invalid, "response_type must be code")
	}
	req, err := h.checkRequest(r, v)
	if err != nil {
		return err
	}
	// The approval's answer is a redirect to the app; a browser holds a form's redirect to
	// the page's form-action too, which allows only http and https otherwise.
	if u, err := url.Parse(req.grant.RedirectURI); err == nil && u.Scheme != "http" && u.Scheme != "https" && req.grant.RedirectURI != outbox.OOB {
		csp := w.Header().Get("Content-Security-Policy")
		w.Header().Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' "+u.Scheme+":", 1))
	}
	return h.Web.Render(w, r, http.StatusOK, "authorize", "Authorize "+req.app.Name, &templates.AuthorizeData{
		App: req.app, Scopes: strings.Fields(req.grant.Scopes), Scope: req.grant.Scopes, RedirectURI: req.grant.RedirectURI,
		State: req.state, Challenge: req.grant.Challenge, Method: req.grant.Method})
}

// authorize is the approval form's answer: a code (or access_denied) sent back to the app,
// or shown to be copied when the app takes no redirect.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	req, err := h.checkRequest(r, r.PostForm)
	if err != nil {
		return err
	}
	answer := url.Values{}
	if req.state != "" {
		answer.Set("state", req.state)
	}
	if r.PostFormValue("decision") != "approve" {
		if req.grant.RedirectURI == outbox.OOB {
			return storage.Errorf(storage.Forbidden, "you denied %s access to your account", req.app.Name)
		}
		answer.Set("error", "access_denied")
		answer.Set("error_description", "the account denied the app access")
		return redirectBack(w, r, req.grant.RedirectURI, answer)
	}
	code, err := h.Outbox.Authorize(r.Context(), viewer, req.app, req.grant)
	if err != nil {
		return err
	}
	if req.grant.RedirectURI == outbox.OOB {
		return h.Web.Render(w, r, http.StatusOK, "authorize", "Authorization code", &templates.AuthorizeData{App: req.app, Code: code})
	}
	answer.Set("code", code)
	return redirectBack(w, r, req.grant.RedirectURI, answer)
}

// redirectBack sends the browser to the app's redirect URI with answer added to its query.
func redirectBack(w http.ResponseWriter, r *http.Request, redirect string, answer url.Values) error {
	u, err := url.Parse(redirect)
	if err != nil {
		return storage.Wrap(storage.Invalid, err, "bad redirect_uri")
	}
	q := u.Query()
	for k, vs := range answer {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
	return nil
}
