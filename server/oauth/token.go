package oauth

import (
	"net/http"
	"net/url"

	"refuge/server/httpx"
	"refuge/storage"
)

// client authenticates the app calling the token or revocation endpoint: HTTP Basic, or
// client_id and client_secret among the parameters.
func (h *Handler) client(r *http.Request, v url.Values) (*storage.App, error) {
	id, secret, ok := r.BasicAuth()
	if ok {
		// RFC 6749 2.3.1: both form-encoded inside Basic.
		if uid, err := url.QueryUnescape(id); err == nil {
			id = uid
		}
		if us, err := url.QueryUnescape(secret); err == nil {
			secret = us
		}
	} else {
		id, secret = v.Get("client_id"), v.Get("client_secret")
	}
	if id == "" || secret == "" {
		return nil, refuse(http.StatusUnauthorized, "invalid_client", "client_id and client_secret are required")
	}
	app, err := h.Outbox.App(r.Context(), id, secret, true)
	if storage.KindOf(err) == storage.Unauthorized {
		return nil, refuse(http.StatusUnauthorized, "invalid_client", storage.Message(err))
	}
	return app, err
}

// token is POST /oauth/token: an authorization code, or the app's own credentials,
// exchanged for an access token.
func (h *Handler) token(w http.ResponseWriter, r *http.Request) error {
	v, err := params(w, r)
	if err != nil {
		return refuse(http.StatusBadRequest, "invalid_request", storage.Message(err))
	}
	grant := v.Get("grant_type")
	if grant != "authorization_code" && grant != "client_credentials" {
		return refuse(http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or client_credentials")
	}
	app, err := h.client(r, v)
	if err != nil {
		return err
	}
	var secret string
	var tok *storage.Token
	if grant == "authorization_code" {
		if v.Get("code") == "" {
			return refuse(http.StatusBadRequest, "invalid_request", "code is required")
		}
		secret, tok, err = h.Outbox.ExchangeCode(r.Context(), app, v.Get("code"), v.Get("redirect_uri"), v.Get("code_verifier"))
		if storage.KindOf(err) == storage.Invalid {
			return refuse(http.StatusBadRequest, "invalid_grant", storage.Message(err))
		}
	} else {
		scopes, perr := httpx.ParseScopes(v.Get("scope"), app.Scopes)
		if perr != nil || !httpx.AllowsAll(app.Scopes, scopes) {
			return refuse(http.StatusBadRequest, "invalid_scope", "the app asks for scopes it did not register")
		}
		secret, tok, err = h.Outbox.AppToken(r.Context(), app, scopes)
	}
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{
		"access_token": secret, "token_type": "Bearer", "scope": tok.Scopes, "created_at": tok.Created.Unix(),
	})
}

// revoke is POST /oauth/revoke (RFC 7009): the app ends one of its tokens. Any other
// token is answered the same, so that the endpoint tells nothing about it.
func (h *Handler) revoke(w http.ResponseWriter, r *http.Request) error {
	v, err := params(w, r)
	if err != nil {
		return refuse(http.StatusBadRequest, "invalid_request", storage.Message(err))
	}
	app, err := h.client(r, v)
	if err != nil {
		return err
	}
	if v.Get("token") == "" {
		return refuse(http.StatusBadRequest, "invalid_request", "token is required")
	}
	if err := h.Outbox.RevokeToken(r.Context(), app, v.Get("token")); err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{})
}
