package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"refuge/federation/uris"
)

// account is a local account of the instance under test with its API token.
type account struct {
	name, token string
}

// postOutbox submits a client-to-server activity and returns the Location answered.
func postOutbox(ctx context.Context, c *http.Client, base string, a account, doc map[string]any) (string, error) {
	body, err := json.Marshal(doc)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uris.New(base).Outbox(a.name), bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/activity+json")
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("outbox of %s: status %d: %s", a.name, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	return resp.Header.Get("Location"), nil
}

// totalItems reads the totalItems of a collection.
func totalItems(ctx context.Context, c *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/activity+json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var col struct {
		TotalItems int `json:"totalItems"`
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&col); err != nil {
		return 0, fmt.Errorf("GET %s: %w", url, err)
	}
	return col.TotalItems, nil
}
