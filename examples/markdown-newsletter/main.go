// Command markdown-newsletter turns a Markdown living document into the
// newsletter of every template: an HTML and a text file per template,
// written to a directory, and a summary on standard output.
//
//	go run ./examples/markdown-newsletter [-out DIR] [-in FILE.md]
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"text/tabwriter"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

// newsMarkdown is the living document the example uses unless -in names
// another: three sections, with a title and an item that need escaping
// and a stray <script> that the HTML must not carry.
//
//go:embed news.md
var newsMarkdown []byte

func main() {
	out := flag.String("out", "", "directory to write the newsletters to (default: a new temporary directory)")
	in := flag.String("in", "", "a Markdown living document to use instead of the embedded news.md")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := start(ctx, *in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "markdown-newsletter:", err)
		os.Exit(1)
	}
}

// start resolves the flags' defaults and calls run.
func start(ctx context.Context, in, out string) error {
	md := newsMarkdown
	if in != "" {
		b, err := os.ReadFile(in)
		if err != nil {
			return err
		}
		md = b
	}
	if out == "" {
		dir, err := os.MkdirTemp("", "halcytone-newsletter-")
		if err != nil {
			return err
		}
		out = dir
	}
	return run(ctx, os.Stdout, md, out)
}

// run parses md, assembles its newsletter in every template
// (content.Templates), validates each, writes TEMPLATE.html and
// TEMPLATE.txt into outDir and prints a summary to w.
func run(ctx context.Context, w io.Writer, md []byte, outDir string) error {
	doc, err := source.ParseMarkdown(md)
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(w, "Document: %q, %d sections, %d items\n", doc.Title, len(doc.Sections), len(doc.Items()))
	for _, iss := range doc.Warnings {
		fmt.Fprintf(w, "  parser %s: %s\n", iss.Severity, iss.Error())
	}

	asm, val := content.NewAssembler(), content.NewValidator()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\ntemplate\thtml\ttext\tvalidation")
	var subject, preview string
	var problems []string
	for _, tpl := range content.Templates() {
		b, err := asm.Assemble(ctx, doc, content.Options{Channels: []content.Channel{content.ChannelEmail}, Template: tpl})
		if err != nil {
			return fmt.Errorf("assemble %s: %w", tpl, err)
		}
		nl := b.Newsletter
		if nl == nil {
			return errors.New("no newsletter: no item of the document goes to email")
		}
		subject, preview = nl.Subject, nl.PreviewText
		rep := content.Check(ctx, val, doc, b)

		htmlPath := filepath.Join(outDir, string(tpl)+".html")
		textPath := filepath.Join(outDir, string(tpl)+".txt")
		if err := os.WriteFile(htmlPath, []byte(nl.HTML), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(textPath, []byte(nl.Text), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s (%d B)\t%s (%d B)\t%s\n", tpl, htmlPath, len(nl.HTML), textPath, len(nl.Text), verdict(rep))
		for _, iss := range rep.Issues {
			problems = append(problems, fmt.Sprintf("%s: %s", tpl, iss.Error()))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintln(w, "  error:", p)
	}
	fmt.Fprintf(w, "\nSubject: %s\nPreview: %s\n", subject, preview)
	fmt.Fprintf(w, "\nOpen the HTML files in a browser. %s, %s and %s are merge tags that the email\n"+
		"publisher fills for each recipient (content.Merge).\n", content.MergeName, content.MergeUnsubscribeURL, content.MergePreferencesURL)
	return nil
}

// verdict summarises a validation report in a few words.
func verdict(rep *content.Report) string {
	s := "valid"
	if !rep.Valid {
		s = fmt.Sprintf("INVALID (%d errors)", len(rep.Issues))
	}
	if n := len(rep.Warnings); n > 0 {
		s += fmt.Sprintf(", %d warnings", n)
	}
	return s
}
