package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// startApp builds the whole app as serve wires it, on a fresh SQLite file
// with the admin key benchKey and the extra settings args, runs before
// (when not nil) before starting it, serves it on a loopback httptest
// server, and stops everything at cleanup. ctx ends at cleanup.
func startApp(t testing.TB, args []string, before func(ctx context.Context, a *app)) (url string, a *app, ctx context.Context) {
	t.Helper()
	cfg, err := loadServeConfig(append([]string{
		"--database-url", "sqlite:" + filepath.Join(t.TempDir(), "app.db"), "--api-keys", "bench:" + benchKey + ":admin:0",
		"--log-level", "warn", "--addr", "unused",
	}, args...), func(string) string { return "" }, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	a, err = newApp(ctx, cfg, io.Discard)
	require.NoError(t, err)
	if before != nil {
		before(ctx, a)
	}
	require.NoError(t, a.start(ctx))
	ts := httptest.NewServer(a.server)
	t.Cleanup(func() {
		cancel()
		ts.Close()
		a.close()
	})
	return ts.URL, a, ctx
}

// appJSON sends method url with benchKey and body (JSON, when not nil),
// decodes a JSON answer into out (when not nil) and returns the status.
func appJSON(t *testing.T, ctx context.Context, method, url string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+benchKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	if out != nil {
		require.NoError(t, json.NewDecoder(res.Body).Decode(out))
	}
	return res.StatusCode
}
