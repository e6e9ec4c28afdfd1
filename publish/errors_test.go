package publish_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/publish"
)

func TestClassifyHTTP(t *testing.T) {
	resp := func(code int, h ...string) *http.Response {
		r := &http.Response{StatusCode: code, Header: http.Header{}}
		for i := 0; i+1 < len(h); i += 2 {
			r.Header.Set(h[i], h[i+1])
		}
		return r
	}
	tests := []struct {
		name       string
		resp       *http.Response
		body       string
		err        error
		sent       bool
		class      content.ErrorClass
		field      string
		retryAfter time.Duration
	}{
		{name: "ok", resp: resp(201), class: ""},
		{name: "429 seconds", resp: resp(429, "Retry-After", "7"), class: content.RateLimited, retryAfter: 7 * time.Second},
		{name: "429 without header", resp: resp(429), class: content.RateLimited},
		{name: "401", resp: resp(401), body: `{"error":"token expired"}`, class: content.AuthExpired},
		{name: "403 expired token", resp: resp(403), body: `{"error":{"message":"Access token has expired"}}`, class: content.AuthExpired},
		{name: "403 forbidden", resp: resp(403), body: `{"error":"not allowed"}`, class: content.Permanent},
		{name: "400 with field", resp: resp(400), body: `{"errors":[{"field":"text","message":"too long"}]}`, class: content.InvalidContent, field: "text"},
		{name: "422 with param", resp: resp(422), body: `{"error":{"param":"media_url"}}`, class: content.InvalidContent, field: "media_url"},
		{name: "400 html", resp: resp(400), body: `<html>bad</html>`, class: content.InvalidContent},
		{name: "404", resp: resp(404), class: content.NotFound},
		{name: "408", resp: resp(408), class: content.Retryable},
		{name: "500", resp: resp(500), body: `{"error":"boom"}`, class: content.Retryable},
		{name: "502 html page", resp: resp(502, "Content-Type", "text/html"), body: "<html><h1>502 Bad Gateway</h1></html>", class: content.Retryable},
		{name: "409", resp: resp(409), class: content.Permanent},
		{name: "200 truncated json", resp: resp(200), body: `{"id": "x`, err: errors.New("unexpected EOF"), class: content.OutcomeUnknown},
		{name: "transport before send", err: errors.New("dial tcp: connection refused"), class: content.Retryable},
		{name: "timeout after send", err: context.DeadlineExceeded, sent: true, class: content.OutcomeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := publish.ClassifyHTTP("test: op", tt.resp, []byte(tt.body), tt.err, tt.sent)
			if tt.class == "" {
				require.NoError(t, err)
				return
			}
			var ce *content.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.class, ce.Class, "%v", err)
			assert.Equal(t, tt.field, ce.Field)
			assert.Equal(t, tt.retryAfter, ce.RetryAfter)
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"seconds", http.Header{"Retry-After": {"30"}}, 30 * time.Second},
		{"http date", http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second},
		{"date in the past", http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		{"negative", http.Header{"Retry-After": {"-5"}}, 0},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0},
		{"huge is capped at a day", http.Header{"Retry-After": {"99999999999"}}, 24 * time.Hour},
		{"x-rate-limit-reset", http.Header{"X-Rate-Limit-Reset": {"1795608060"}}, time.Unix(1795608060, 0).Sub(now)},
		{"none", http.Header{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, publish.RetryAfter(tt.h, now))
		})
	}
}
