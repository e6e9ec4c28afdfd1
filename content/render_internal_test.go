package content

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// renderSeeds are bodies whose HTML the policy changes (links get rel,
// raw HTML is dropped), blank bodies and bodies holding NUL bytes, which
// renderAll sanitises alone.
var renderSeeds = [][3]string{
	{"# A\n\nSome *text* and [a link](https://example.com).", "- one\n- two\n\n> quote", "`code` and ~~gone~~"},
	{"", "  \n", "plain"},
	{"a\x00b", "<script>alert(1)</script> after", "<style>p{}</style>\n\n<div>raw</div>"},
	{"[x](javascript:alert(1)) ![i](https://e.com/i.png \"t\")", "<https://auto.link>", "```\n<b>fenced</b>\n```"},
	{"&amp; &#0; &lt;script&gt;", "para\r\nwith CR\r\n", "\x00"},
	{"<!-- open comment", "<title>t</title> <iframe src=x>", "<noscript>n</noscript>"},
}

// renderAlone renders each body on its own and sanitises it alone, as
// render did before batches: the reference for renderAll.
func renderAlone(t *testing.T, m *markdown, bodies [3]string) [3]string {
	t.Helper()
	var out [3]string
	anchors := anchorSet{}
	for i, b := range bodies {
		pb := m.parse(b, 2, &anchors)
		var buf bytes.Buffer
		require.NoError(t, m.md.Renderer().Render(&buf, pb.src, pb.doc))
		out[i] = m.sanitize(buf.Bytes())
	}
	return out
}

// renderBatched renders the bodies in one batch, asking for the second
// first.
func renderBatched(m *markdown, bodies [3]string) [3]string {
	anchors := anchorSet{}
	var rb renderBuffer
	var pbs [3]*parsedBody
	for i, b := range bodies {
		pbs[i] = m.parse(b, 2, &anchors)
		rb.batch = append(rb.batch, pbs[i])
	}
	var out [3]string
	out[1] = m.render(pbs[1], &rb)
	out[0] = m.render(pbs[0], &rb)
	out[2] = m.render(pbs[2], &rb)
	return out
}

// TestRenderBatch checks that rendering an Assemble call's bodies at once
// gives each exactly what rendering it alone gives.
func TestRenderBatch(t *testing.T) {
	m := newMarkdown()
	for _, seed := range renderSeeds {
		assert.Equal(t, renderAlone(t, m, seed), renderBatched(m, seed), "%q", seed)
	}
	// The batch really is one run: a link in each body gets the policy's
	// rel attribute.
	got := renderBatched(m, [3]string{"[a](https://a.example)", "[b](https://b.example)", "c"})
	for _, h := range got[:2] {
		require.Contains(t, h, `rel="nofollow noreferrer"`)
	}
	assert.False(t, strings.Contains(got[0]+got[1]+got[2], "\x00"))
}

// FuzzRenderBatch compares batched and lone rendering on any three
// bodies. Seeds live in testdata/fuzz/FuzzRenderBatch.
func FuzzRenderBatch(f *testing.F) {
	for _, s := range renderSeeds {
		f.Add(s[0], s[1], s[2])
	}
	m := newMarkdown()
	f.Fuzz(func(t *testing.T, a, b, c string) {
		bodies := [3]string{a, b, c}
		if alone, batched := renderAlone(t, m, bodies), renderBatched(m, bodies); alone != batched {
			t.Fatalf("%q:\nalone   %q\nbatched %q", bodies, alone, batched)
		}
	})
}

// TestSanitizeHoldsForAnyInput checks that sanitize, which renderAll
// falls back on, cleans HTML whatever bytes it holds: a NUL or blank
// text takes no short cut past the policy.
func TestSanitizeHoldsForAnyInput(t *testing.T) {
	m := newMarkdown()
	for _, h := range []string{
		"<script>alert(1)</script>\x00<img src=x onerror=alert(1)>",
		"\x00<a href=\"javascript:alert(1)\">x</a>",
		"<p>ok</p>\x00",
	} {
		got := m.sanitize([]byte(h))
		assert.NotContains(t, got, "<script", "%q", h)
		assert.NotContains(t, got, "onerror", "%q", h)
		assert.NotContains(t, got, "javascript:", "%q", h)
	}
	assert.Equal(t, " \n\t", m.sanitize([]byte(" \n\t")), "blank HTML is returned as it is")
}
