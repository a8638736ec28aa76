// Package translate translates notes on demand through a LibreTranslate-compatible server
// that the admin configures (--translate-url, --translate-key), and keeps each translation
// in the database, by note, version and language, so that the server is asked once.
//
// The server is the admin's own choice of address (often on loopback), so it is reached
// with a plain client rather than federation's guarded one; every call has its own
// bounded time and a bounded answer. Nothing here runs while a page is built: a reader
// asks for a translation, and waits for that one answer alone.
package translate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout bounds one call to the translation server, and MaxAnswer the answer read.
const (
	DefaultTimeout = 5 * time.Second
	MaxAnswer      = 1 << 20
)

// Client speaks LibreTranslate's API: POST /translate and GET /languages.
type Client struct {
	URL     string        // the server's base URL, such as http://127.0.0.1:5000
	Key     string        // its api_key, when it asks for one
	Timeout time.Duration // each call's bound; 0 means DefaultTimeout
	HTTP    *http.Client  // nil means a client of its own
}

// Language is one language the server translates from, and those it translates it into.
type Language struct {
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	Targets []string `json:"targets"`
}

// Result is a translated text and the source language the server detected ("" when the
// source was given).
type Result struct {
	Text     string
	Detected string
}

// ErrUnavailable is wrapped by every error of a call that failed: the server could not be
// reached, took too long, refused, or gave an answer that is not LibreTranslate's.
var ErrUnavailable = errors.New("translation service unavailable")

// Translate translates text (format "html" or "text") from source ("auto" to detect it)
// into target.
func (c *Client) Translate(ctx context.Context, text, source, target, format string) (Result, error) {
	body, err := json.Marshal(map[string]string{"q": text, "source": source, "target": target, "format": format, "api_key": c.Key})
	if err != nil {
		return Result{}, fmt.Errorf("translate: %w", err)
	}
	var answer struct {
		TranslatedText   json.RawMessage `json:"translatedText"`
		DetectedLanguage json.RawMessage `json:"detectedLanguage"`
	}
	if err := c.call(ctx, http.MethodPost, "/translate", body, &answer); err != nil {
		return Result{}, err
	}
	var res Result
	if err := json.Unmarshal(answer.TranslatedText, &res.Text); err != nil {
		// Some servers answer a list even for one text.
		var list []string
		if err := json.Unmarshal(answer.TranslatedText, &list); err != nil || len(list) != 1 {
			return Result{}, fmt.Errorf("%w: the answer has no translatedText", ErrUnavailable)
		}
		res.Text = list[0]
	}
	var detected struct {
		Language string `json:"language"`
	}
	if len(answer.DetectedLanguage) > 0 && json.Unmarshal(answer.DetectedLanguage, &detected) != nil {
		var list []struct {
			Language string `json:"language"`
		}
		if json.Unmarshal(answer.DetectedLanguage, &list) == nil && len(list) > 0 {
			detected.Language = list[0].Language
		}
	}
	res.Detected = detected.Language
	return res, nil
}

// Languages lists the languages the server translates.
func (c *Client) Languages(ctx context.Context) ([]Language, error) {
	var list []Language
	if err := c.call(ctx, http.MethodGet, "/languages", nil, &list); err != nil {
		return nil, err
	}
	return list, nil
}

// call sends one request within the client's time bound and decodes a 200 answer's JSON
// into out.
func (c *Client) call(ctx context.Context, method, path string, body []byte, out any) error {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u, err := url.JoinPath(c.URL, path)
	if err != nil {
		return fmt.Errorf("translate: the server's URL %q: %w", c.URL, err)
	}
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, reader)
	if err != nil {
		return fmt.Errorf("translate: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return fmt.Errorf("%w: no answer within %s: %w", ErrUnavailable, timeout, errTimeout)
		}
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return fmt.Errorf("%w: no whole answer within %s: %w", ErrUnavailable, timeout, errTimeout)
		}
		return fmt.Errorf("%w: reading the answer: %v", ErrUnavailable, err)
	}
	if len(data) > MaxAnswer {
		return fmt.Errorf("%w: the answer is larger than %d bytes", ErrUnavailable, MaxAnswer)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		json.Unmarshal(data, &e) // a reason when there is one; the status says enough otherwise
		reason := strings.TrimSpace(e.Error)
		if len(reason) > 200 {
			reason = strings.ToValidUTF8(reason[:200], "")
		}
		return fmt.Errorf("%w: %s %s answered %s %s", ErrUnavailable, method, path, resp.Status, reason)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: the answer is not the JSON expected: %v", ErrUnavailable, err)
	}
	return nil
}
