// Package oauth is the surface through which phone and web apps get access to an account:
// app registration (POST /api/v1/apps), the authorization page a person approves, the token
// and revocation endpoints, the server's OAuth metadata (RFC 8414) and the page listing the
// apps that have access. The pages are the web surface's, through its sign-in and forms.
package oauth

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"refuge/federation/uris"
	"refuge/outbox"
	"refuge/server/httpx"
	"refuge/server/web"
	"refuge/storage"
	"refuge/templates"
)

// Handler serves the OAuth endpoints and pages.
type Handler struct {
	*httpx.Kit
	Outbox *outbox.Service
	Web    *web.Handler // sign-in, forms with CSRF, and the site's frame for the pages
	URIs   uris.Local
	// VAPIDKey is the instance's public key for Web Push, which the Application entity
	// carries (vapid_key) as Mastodon's does.
	VAPIDKey string
}

// Routes adds the OAuth routes to r.
func (h *Handler) Routes(r *mux.Router) {
	r.Handle("/api/v1/apps", h.Handle(h.api(h.registerApp))).Methods(http.MethodPost)
	r.Handle("/api/v1/apps/verify_credentials", h.Handle(h.verifyApp)).Methods(http.MethodGet)
	r.Handle("/oauth/authorize", h.Handle(h.Web.SignedIn(h.authorizePage))).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/oauth/authorize", h.Handle(h.Web.Form(h.authorize))).Methods(http.MethodPost)
	r.Handle("/oauth/token", h.Handle(h.api(h.token))).Methods(http.MethodPost)
	r.Handle("/oauth/revoke", h.Handle(h.api(h.revoke))).Methods(http.MethodPost)
	r.Handle("/.well-known/oauth-authorization-server", h.Handle(h.metadata)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/oauth/authorized_apps", h.Handle(h.Web.SignedIn(h.appsPage))).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/oauth/authorized_apps/revoke", h.Handle(h.Web.Form(h.revokeApp))).Methods(http.MethodPost)
}

// oauthError is an error answered as OAuth says (RFC 6749 5.2): a code and a description.
type oauthError struct {
	status      int
	code, about string
}

func (e *oauthError) Error() string { return e.code + ": " + e.about }

func refuse(status int, code, about string) error { return &oauthError{status, code, about} }

// api answers the oauthErrors of f in OAuth's shape, and everything else as usual.
func (h *Handler) api(f httpx.HandlerFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-store")
		err := f(w, r)
		var oe *oauthError
		if !errors.As(err, &oe) {
			return err
		}
		h.Log.Info("oauth refused", "path", r.URL.Path, "error", oe.code, "about", oe.about)
		if oe.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="oauth"`)
		}
		return httpx.WriteJSON(w, oe.status, "application/json", map[string]string{"error": oe.code, "error_description": oe.about})
	}
}

// params reads a request's parameters from its query and its body, a form or JSON, as
// Mastodon takes them; a JSON array becomes repeated values.
func params(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		if err := r.ParseMultipartForm(64 << 10); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return nil, storage.Wrap(storage.Invalid, err, "the form could not be read")
		}
		return r.Form, nil
	}
	v := r.URL.Query()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	var fields map[string]any
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "the body is not a JSON object")
	}
	for k, x := range fields {
		switch x := x.(type) {
		case string:
			v.Set(k, x)
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok {
					v.Add(k, s)
				}
			}
		}
	}
	return v, nil
}

// redirectURIs reads redirect_uris: a string of URIs apart by spaces or lines, or an
// array (redirect_uris[] in a form).
func redirectURIs(v url.Values) []string {
	var out []string
	for _, s := range append(v["redirect_uris"], v["redirect_uris[]"]...) {
		out = append(out, strings.Fields(s)...)
	}
	return out
}

// registerApp is POST /api/v1/apps.
func (h *Handler) registerApp(w http.ResponseWriter, r *http.Request) error {
	v, err := params(w, r)
	if err != nil {
		return err
	}
	scopes, err := httpx.ParseScopes(strings.Join(append(v["scopes"], v["scopes[]"]...), " "), "read")
	if err != nil {
		return err
	}
	app, secret, err := h.Outbox.RegisterApp(r.Context(), outbox.AppInput{Name: v.Get("client_name"),
		Website: v.Get("website"), RedirectURIs: redirectURIs(v), Scopes: scopes})
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, "application/json", h.application(app, secret))
}

// application is Mastodon's Application entity; the secret only at registration.
func (h *Handler) application(app *storage.App, secret string) map[string]any {
	out := map[string]any{"vapid_key": h.VAPIDKey,
		"id": strconv.FormatInt(app.ID, 10), "name": app.Name, "website": nil,
		"scopes": strings.Fields(app.Scopes), "redirect_uri": strings.Join(app.RedirectURIs, "\n"),
		"redirect_uris": app.RedirectURIs, "client_id": app.ClientID,
	}
	if app.Website != "" {
		out["website"] = app.Website
	}
	if secret != "" {
		out["client_secret"], out["client_secret_expires_at"] = secret, 0
	}
	return out
}

// verifyApp is GET /api/v1/apps/verify_credentials: the app of the token, whether the app's
// own or an account's.
func (h *Handler) verifyApp(w http.ResponseWriter, r *http.Request) error {
	tok, _, err := h.Auth.Require(r, "")
	if err != nil {
		return err
	}
	if tok.AppID == 0 {
		// A token of `refuge token`: no app, every scope.
		return httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"name": "refuge token",
			"website": nil, "scopes": []string{"read", "write", "follow", "push"}})
	}
	app, err := h.Outbox.DB.GetAppByID(r.Context(), tok.AppID)
	if err != nil {
		return err
	}
	out := h.application(app, "")
	delete(out, "client_id")
	return httpx.WriteJSON(w, http.StatusOK, "application/json", out)
}

// metadata is the server's OAuth metadata (RFC 8414), where apps find the endpoints.
func (h *Handler) metadata(w http.ResponseWriter, r *http.Request) error {
	base := h.URIs.Base()
	return httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{
		"issuer":                                base + "/",
		"authorization_endpoint":                base + "/oauth/authorize",
		"token_endpoint":                        base + "/oauth/token",
		"revocation_endpoint":                   base + "/oauth/revoke",
		"app_registration_endpoint":             base + "/api/v1/apps",
		"scopes_supported":                      httpx.Scopes,
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code", "client_credentials"},
		"code_challenge_methods_supported":      []string{"S256", "plain"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"service_documentation":                 "https://docs.joinmastodon.org/",
	})
}

// appsPage lists the apps that have access to the signed-in account.
func (h *Handler) appsPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	apps, err := h.Outbox.DB.ListAuthorizedApps(r.Context(), viewer.ID)
	if err != nil {
		return err
	}
	return h.Web.Render(w, r, http.StatusOK, "apps", "Authorized apps", &templates.AppsData{Apps: apps})
}

// revokeApp takes an app's access to the signed-in account away: every token it holds.
func (h *Handler) revokeApp(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	if err := h.Outbox.RevokeApp(r.Context(), viewer, r.PostFormValue("client_id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/oauth/authorized_apps", http.StatusSeeOther)
	return nil
}
