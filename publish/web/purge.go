package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/halcytone/halcytone/content"
)

// purgeBatch is how many URLs one Cloudflare purge request may name.
const purgeBatch = 30

// cdnAnswer is Cloudflare's response envelope.
type cdnAnswer struct {
	Success bool `json:"success"`
	Errors  []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Result *struct {
		ID string `json:"id"`
	} `json:"result"`
}

// purge asks the CDN to drop urls, in batches of 30. It does nothing when
// no CDN is configured or urls is empty.
func (p *Publisher) purge(ctx context.Context, urls []string) error {
	if p.cfg.CDN.Endpoint == "" || len(urls) == 0 {
		return nil
	}
	for start := 0; start < len(urls); start += purgeBatch {
		end := min(start+purgeBatch, len(urls))
		if err := p.purgeOnce(ctx, map[string]any{"files": urls[start:end]}); err != nil {
			return err
		}
	}
	return nil
}

// PurgeEverything asks the CDN to drop every cached file of the zone.
func (p *Publisher) PurgeEverything(ctx context.Context) error {
	if p.cfg.CDN.Endpoint == "" {
		return &content.Error{Class: content.Permanent, Op: "web: purge cache", Err: fmt.Errorf("no cdn configured")}
	}
	return p.purgeOnce(ctx, map[string]any{"purge_everything": true})
}

// purgeOnce sends one purge request with body req.
func (p *Publisher) purgeOnce(ctx context.Context, req map[string]any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return &content.Error{Class: content.Permanent, Op: "web: purge cache", Err: err}
	}
	// A purge is idempotent: a lost answer is safe to retry.
	c := call{op: "web: purge cache", method: http.MethodPost, token: p.cfg.CDN.Token, body: body,
		url: p.cfg.CDN.Endpoint + "/client/v4/zones/" + url.PathEscape(p.cfg.CDN.Zone) + "/purge_cache"}
	resp, err := do(ctx, p.client, c)
	if err != nil {
		return err
	}
	var ans cdnAnswer
	decErr := json.Unmarshal(resp.body, &ans)
	if resp.status < 200 || resp.status > 299 {
		err := statusError(c.op, resp, "files", p.now())
		if decErr == nil && len(ans.Errors) > 0 {
			if ce, ok := err.(*content.Error); ok {
				ce.Err = fmt.Errorf("http %d: cloudflare error %d: %s", resp.status, ans.Errors[0].Code, ans.Errors[0].Message)
			}
		}
		return err
	}
	if decErr != nil {
		return &content.Error{Class: content.Retryable, Op: c.op, Err: fmt.Errorf("malformed answer (http %d, %s): %w", resp.status, summarise(resp), decErr)}
	}
	if !ans.Success {
		msg := "success is false"
		if len(ans.Errors) > 0 {
			msg = fmt.Sprintf("cloudflare error %d: %s", ans.Errors[0].Code, ans.Errors[0].Message)
		}
		return &content.Error{Class: content.Permanent, Op: c.op, Err: fmt.Errorf("%s", msg)}
	}
	return nil
}
