package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/halcytone/halcytone"
	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/internal/benchdoc"
)

// BenchmarkPreviewScenario does in process what the load tool's preview
// scenario asks of a server, at two depths and side by side in one run,
// so that their ratio and the machine's own ceiling are measured rather
// than guessed: "engine" is Engine.Preview of the scenario's document as
// the server wires the engine (dry-run publishers on every channel);
// "handler" is the whole HTTP handler (middleware, API key, huma's
// decoding and validation, the preview cache's miss path, the JSON
// answer) without a network. Every request's text differs, as the
// scenario's does, so no cache answers. The -parallel variants run one
// request per GOMAXPROCS at a time: their ns/op is wall time per preview,
// so 1e9 / ns/op is previews a second on this machine.
func BenchmarkPreviewScenario(b *testing.B) {
	_, a, ctx := startApp(b, nil, nil)
	sc, err := httpScenarioOf("preview")
	if err != nil {
		b.Fatal(err)
	}
	off := bytes.Index(sc.body, []byte(benchRevision))
	var seq atomic.Uint64
	seq.Store(uint64(time.Now().UnixNano()) % 1_000_000_000)

	engine := func() {
		n := seq.Add(1)
		res, err := a.engine.Preview(ctx, halcytone.Request{
			Text:   benchdoc.Markdown + "\nRevision " + strconv.FormatUint(n, 10) + ".\n",
			Format: content.FormatMarkdown,
		})
		// The document goes to every channel and has no image, so
		// Instagram's check fails: the status is validation_failed, after
		// the whole path ran.
		if err != nil || res.Bundle == nil {
			b.Errorf("preview: %v", err)
		}
	}
	handler := func() {
		body := bytes.Clone(sc.body)
		stamp(body, off, seq.Add(1))
		req := httptest.NewRequestWithContext(ctx, sc.method, sc.path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+benchKey)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		a.server.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Errorf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
	for _, c := range []struct {
		name string
		run  func()
	}{{"engine", engine}, {"handler", handler}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.run()
			}
		})
		b.Run(c.name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.run()
				}
			})
		})
	}
}
