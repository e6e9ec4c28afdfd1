package server

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestOwnEndpointsRefuseUnknownContentFields: API.md rejects unknown JSON
// fields with 422 on our own endpoints, inside typed content and inline
// documents too, naming the field.
func TestOwnEndpointsRefuseUnknownContentFields(t *testing.T) {
	ts := newTestServer(t)
	typo := map[string]any{"type": "update", "title": "Firmware 1.4 is out", "content": "The new firmware makes pairing faster.", "titel": "typo"}
	for _, c := range []struct {
		path  string
		body  map[string]any
		field string
	}{
		{"/api/v2/validate-content", map[string]any{"content": typo}, "body.content.titel"},
		{"/api/v2/content/validate", map[string]any{"content": typo}, "body.content.titel"},
		{"/api/v2/generate-content", map[string]any{"content": typo, "preview_only": true}, "body.content.titel"},
		{"/api/v2/content/validate", map[string]any{"content": map[string]any{"format": "markdown", "text": "# Notes", "fromat": "x"}}, "body.content"},
		{"/api/v2/generate-content", map[string]any{"document": map[string]any{"format": "markdown", "text": "# Notes", "fromat": "x"}, "preview_only": true}, "body.document.fromat"},
	} {
		res := ts.do(t, http.MethodPost, c.path, ts.Admin, c.body)
		p := secRequireStatusProblem(t, res, http.StatusUnprocessableEntity)
		assert.Contains(t, p.locations(), c.field, "%s: %s", c.path, res.Body)
	}
	// The same content without the typo passes.
	delete(typo, "titel")
	res := ts.do(t, http.MethodPost, "/api/v2/validate-content", ts.Admin, map[string]any{"content": typo})
	assert.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
}
