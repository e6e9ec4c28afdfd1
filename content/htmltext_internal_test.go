package content

import (
	"html"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/microcosm-cc/bluemonday"
)

// referenceStrictPolicy is bluemonday's strict policy, built once, for
// referenceHTMLText.
var referenceStrictPolicy = sync.OnceValue(bluemonday.StrictPolicy)

// referenceHTMLText is htmlText as it was before it ran its own tokenizer
// loop: bluemonday's StrictPolicy, then html.UnescapeString and
// joinFields. htmlText must give exactly what it gives.
func referenceHTMLText(h string) string {
	if h == "" {
		return ""
	}
	t := h // as Sanitize, which returns blank input as it is
	if strings.TrimSpace(h) != "" {
		t = sanitizeTo(referenceStrictPolicy(), strings.NewReader(h), len(h))
	}
	return joinFields(html.UnescapeString(t))
}

// htmlTexts are inputs for htmlText: HTML such as the assembler writes,
// and what a sanitiser must get right (raw text elements, skipped
// elements opened and closed out of order, comments, entities, malformed
// tags, NULs, carriage returns and invalid UTF-8).
var htmlTexts = []string{
	"",
	" \t\n",
	"plain text, no tags",
	"<p>Breathe in for four.</p>\n<p>Out for <em>six</em>, then rest.</p>",
	`<h2 id="a-b">A &amp; B</h2><p>Read <a href="https://example.com/x?a=1&amp;b=2" rel="nofollow noreferrer">the guide</a>.</p>`,
	"<ul>\n<li>one</li>\n<li>two<br>three</li>\n</ul>\n<pre><code>x &lt; y\n</code></pre>",
	"<p>a<script>alert('x') </p> & </script>b</p>",
	"<style>p{color:red}</style>text<STYLE>x</STYLE>more",
	"<script/>after self-closing script</script>tail",
	"<style/>x</style>y",
	"<script>never closed",
	"<title>t</title>visible<iframe src=x>inner</iframe>after",
	"</title>stray end<title>t</title>still skipped?",
	"<noscript><p>no</p></noscript><object>o<object>p</object>q</object>r",
	"<frameset><frame>f</frame></frameset>g",
	"<noembed>n</noembed><noframes>n</noframes><nostyle>s</nostyle>t",
	"<script>s</script><p>p</p></script>after",
	"<p>x</p><script>a</style>b</script>c",
	"<div>a<!-- comment <p>b</p> -->c<!DOCTYPE html>d<?xml x?>e</>f",
	"<!-- unterminated comment",
	"&lt;p&gt; &quot;q&quot; &#39;s&#39; &#x1F600; &amp;amp; &nbsp;&copy &notin; &unknown; &#0; &#128; &#xD800;",
	"a &amp b &lt c",
	"line\r\nbreak\rreturn &#13; here",
	"nul\x00byte<p\x00>in tag</p\x00>",
	"invalid \xff\xfe utf-8 <b>\xe2\x80</b>\xa8 split",
	"<a href='x' onclick=\"y\">l</a><img src=x alt=y/><br/><hr />",
	"<p a=/>z</p><p a=b/>w",
	"< p>not a tag</ p>< / >",
	"<textarea><b>raw</b></textarea><xmp><i>x</i></xmp>",
	"<plaintext><p>everything after</p>",
	"<SCRIPT>upper</SCRIPT>case<Title>T</TITLE>ok",
	"<scriptx>not script</scriptx><stylesheet>s</stylesheet>",
	"<svg><style>css</style><title>t</title></svg>after",
	"<math><mi>x</mi></math>",
	"unclosed <b attr='x",
	"<",
	"a<b",
	"&",
	"\u00a0non-breaking\u2028separator\u3000ideographic",
	// Tags that htmlTextPlain reads itself: quoted values holding '>',
	// keys that start with '=', unquoted values, white space around '='.
	`<a href="x>y" title='a>b'>link</a> after`,
	`<p ="x>">one</p> <p a=b="c>">two</p> <p a = 'q>' >three</p>`,
	"<p a=>x</p><img/src=x>y<br\f/><p\ta\n=\n\"v\">z</p>",
	"<p a='unterminated>text",
	"<em>&amp;&lt;&#39;&notanentity;</em>",
}

// FuzzHTMLText compares htmlText with referenceHTMLText.
func FuzzHTMLText(f *testing.F) {
	for _, s := range htmlTexts {
		f.Add(s)
	}
	f.Fuzz(checkHTMLText)
}

func TestHTMLTextMatchesStrictPolicy(t *testing.T) {
	for _, s := range htmlTexts {
		checkHTMLText(t, s)
	}
}

// htmlPieces are the pieces TestHTMLTextMatchesStrictPolicyOnMixes
// strings together: the tags whose content the policy drops or the
// tokenizer reads raw, opened, closed and self-closed in any order, and
// comments, entities, white space and bytes that are no UTF-8.
var htmlPieces = func() []string {
	p := []string{
		"text", " ", "\n", "\r\n", "\t", "\u00a0", "\u2028", "\xe2\x80", "\xa8", "\xff", "\x00",
		"&amp;", "&lt;", "&#13;", "&#39;", "&quot;", "&nbsp;", "&copy", "&#x;", "&", "<", ">", "\"", "'",
		"<!--", "-->", "<!-- c -->", "<!DOCTYPE html>", "<?x?>", "</>", "< p>", "<p a=/>", "<p a='x", "<a href=\"u\">",
		"<p a=\"x>y\">", "<p ='>'>", "<p a=b='>'>", "<p a = \"q\" >", "<p a=>", "<img/src=x>", "</p x='>'>", "=", "/",
	}
	for _, name := range []string{"script", "style", "title", "iframe", "noscript", "object", "textarea", "plaintext", "p", "b", "SCRIPT", "Title"} {
		p = append(p, "<"+name+">", "</"+name+">", "<"+name+"/>", "<"+name+" x=1>")
	}
	return p
}()

// TestHTMLTextMatchesStrictPolicyOnMixes compares htmlText with
// referenceHTMLText on many random strings of htmlPieces, the same ones
// on every run.
func TestHTMLTextMatchesStrictPolicyOnMixes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	var b strings.Builder
	for range n {
		b.Reset()
		for range 1 + r.IntN(12) {
			b.WriteString(htmlPieces[r.IntN(len(htmlPieces))])
		}
		checkHTMLText(t, b.String())
	}
}

func checkHTMLText(t *testing.T, s string) {
	t.Helper()
	if got, want := htmlText(s), referenceHTMLText(s); got != want {
		t.Errorf("htmlText(%q) = %q, want %q", s, got, want)
	}
}

// benchHTML is a web post's worth of HTML as the assembler writes it.
var benchHTML = strings.Repeat(`<h2 id="x">Slow breathing</h2><p>Breathe in for <em>four</em>, out for six &amp; rest. <a href="https://example.com/a" rel="nofollow noreferrer">Read more</a>.</p>`+"\n", 30)

// BenchmarkHTMLText extracts the text of benchHTML.
func BenchmarkHTMLText(b *testing.B) {
	b.SetBytes(int64(len(benchHTML)))
	b.ReportAllocs()
	for b.Loop() {
		htmlText(benchHTML)
	}
}

// BenchmarkHTMLTextReference is BenchmarkHTMLText with referenceHTMLText,
// for comparison.
func BenchmarkHTMLTextReference(b *testing.B) {
	b.SetBytes(int64(len(benchHTML)))
	b.ReportAllocs()
	for b.Loop() {
		referenceHTMLText(benchHTML)
	}
}

// TestHTMLTextPlainTakesAssemblerHTML checks that the fast path reads
// what the assembler writes, and leaves the rest to the tokenizer.
func TestHTMLTextPlainTakesAssemblerHTML(t *testing.T) {
	m := newMarkdown()
	anchors := anchorSet{}
	pb := m.parse("## Title\n\nSome *text* & [a link](https://example.com/?a=1&b=2 \"t\").\n\n- one\n- two\n\n```\nx < y\n```", 2, &anchors)
	var rb renderBuffer
	h := `<section><h2 id="s">Sec</h2><article>` + m.render(pb, &rb) + `</article></section>`
	got, ok := htmlTextPlain(h)
	if !ok {
		t.Fatalf("htmlTextPlain refused %q", h)
	}
	if want := referenceHTMLText(h); got != want {
		t.Fatalf("htmlTextPlain(%q) = %q, want %q", h, got, want)
	}
	for _, h := range []string{"<!-- c -->x", "a < b", "<script>x</script>", "<p a='x", "a\r\nb", "<TITLE>t</TITLE>"} {
		if _, ok := htmlTextPlain(h); ok {
			t.Errorf("htmlTextPlain took %q", h)
		}
	}
}
