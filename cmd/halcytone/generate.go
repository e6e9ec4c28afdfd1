package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/source"
)

// generateSummary is generate's line in the list of commands.
const generateSummary = "assemble living documents into channel content; print it, write it to files or plan it"

// generateSynopsis is the short usage printed with a command-line error.
const generateSynopsis = `Usage:
  halcytone generate [flags] <source reference>
  halcytone generate [flags] --out DIR <folder | reference>...
  halcytone generate [flags] --plan day|week|month [--count N] [<folder | reference>...]
Run "halcytone generate -h" for the manual.
`

// generateFlags are the flags of generate.
type generateFlags struct {
	format       string
	channels     string
	platforms    string
	template     string
	tone         string
	channelTones string
	contentDir   string
	baseURL      string
	brand        string
	allowNets    string
	strict       bool
	// Batches (generate_batch.go).
	dir      string
	out      string
	plan     string
	count    int
	start    string
	timezone string
}

// newGenerateFlagSet declares generate's flags into f, with defaults from
// env. The help page prints the same set.
func newGenerateFlagSet(f *generateFlags, env func(string) string) *flag.FlagSet {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.StringVar(&f.format, "format", "text", "output `format`: text, json or html (the newsletter's HTML)")
	fs.StringVar(&f.channels, "channels", "", "comma-separated `channels` (email, website, twitter, linkedin, facebook, instagram); empty: all")
	fs.StringVar(&f.platforms, "platforms", "", "comma-separated social `platforms`; empty: the social channels requested")
	fs.StringVar(&f.template, "template", "", "newsletter `template`: modern, minimal, plain, breathscape (classic = modern)")
	fs.StringVar(&f.tone, "tone", "", "`tone`: professional, encouraging or medical_scientific")
	fs.StringVar(&f.channelTones, "channel-tones", "", "per-channel tones, such as `twitter=encouraging,email=professional`")
	fs.StringVar(&f.contentDir, "content-dir", envOr(env, "HALCYTONE_CONTENT_DIR", "."), "`directory` that file: references and folders are confined to (HALCYTONE_CONTENT_DIR)")
	fs.StringVar(&f.baseURL, "base-url", env("HALCYTONE_BASE_URL"), "the website's root `URL`, for links and JSON-LD (HALCYTONE_BASE_URL)")
	fs.StringVar(&f.brand, "brand", env("HALCYTONE_BRAND"), "the sender's `name` (HALCYTONE_BRAND)")
	fs.StringVar(&f.allowNets, "allow-net", env("HALCYTONE_URL_ALLOW"), "comma-separated `CIDRs` that URL fetches may reach although private or loopback (HALCYTONE_URL_ALLOW)")
	fs.BoolVar(&f.strict, "strict", false, "exit with status 1 when validation finds errors (in a batch: count such documents as failed)")
	fs.StringVar(&f.dir, "dir", "", "`folder` inside --content-dir: assemble every .md, .markdown, .json and .txt file in it")
	fs.StringVar(&f.out, "out", "", "write each document's files into a subfolder of `DIR` instead of printing")
	fs.StringVar(&f.plan, "plan", "", "spread the documents over a `period` (day, week or month) and print or write the plan")
	fs.IntVar(&f.count, "count", 0, "with --plan: the number of planned publications, documents taken in turn (default: one per document)")
	fs.StringVar(&f.start, "start", "", "with --plan: when the period starts, RFC 3339 or `YYYY-MM-DD[THH:MM]` in --timezone (default: now)")
	fs.StringVar(&f.timezone, "timezone", envOr(env, "HALCYTONE_TIMEZONE", "UTC"), "with --plan: IANA time `zone` of the plan (HALCYTONE_TIMEZONE)")
	return fs
}

func runGenerate(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	var f generateFlags
	fs := newGenerateFlagSet(&f, env)
	fs.SetOutput(io.Discard) // errors are printed once, by run
	fs.Usage = func() { fmt.Fprint(stderr, generateSynopsis) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, commandHelp(ctx, command{name: "generate", summary: generateSummary, run: runGenerate}, env))
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	opts, err := f.options()
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	batch, err := f.batchMode(fs.Args())
	if err != nil {
		fs.Usage()
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	reg, err := newRegistry(f, env)
	if err != nil {
		return err
	}
	if batch {
		return runGenerateBatch(ctx, f, opts, reg, fs.Args(), stdout, stderr)
	}

	doc, err := reg.Fetch(ctx, reference(fs.Arg(0)))
	if err != nil {
		return err
	}
	bundle, err := content.NewAssembler().Assemble(ctx, doc, opts)
	if err != nil {
		return err
	}
	report := content.Check(ctx, content.NewValidator(), doc, bundle)
	out := output{Bundle: bundle, Report: report}
	switch f.format {
	case "json":
		err = writeJSON(stdout, out)
	case "html":
		if bundle.Newsletter == nil {
			return fmt.Errorf("%w: --format html needs the email channel", errUsage)
		}
		_, err = io.WriteString(stdout, bundle.Newsletter.HTML)
	default:
		err = writeText(stdout, out)
	}
	if err != nil {
		return err
	}
	if f.strict && !report.Valid {
		return errors.New("validation failed")
	}
	return nil
}

// options turns the flags into assembler options, failing on unknown names.
func (f generateFlags) options() (content.Options, error) {
	var o content.Options
	var err error
	switch f.format {
	case "text", "json", "html":
	default:
		return o, fmt.Errorf("--format %q: want text, json or html", f.format)
	}
	if o.Channels, err = content.ParseChannels(f.channels); err != nil {
		return o, fmt.Errorf("--channels: %w", err)
	}
	for _, p := range strings.Split(f.platforms, ",") {
		if strings.TrimSpace(p) == "" {
			continue
		}
		pl, err := content.ParsePlatform(p)
		if err != nil {
			return o, fmt.Errorf("--platforms: %w", err)
		}
		o.Platforms = append(o.Platforms, pl)
	}
	if o.Template, err = content.ParseTemplate(f.template); err != nil {
		return o, fmt.Errorf("--template: %w", err)
	}
	if o.Tone, err = content.ParseTone(f.tone); err != nil {
		return o, fmt.Errorf("--tone: %w", err)
	}
	for _, kv := range strings.Split(f.channelTones, ",") {
		if strings.TrimSpace(kv) == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return o, fmt.Errorf("--channel-tones: %q is not channel=tone", kv)
		}
		ch, err := content.ParseChannel(k)
		if err != nil {
			return o, fmt.Errorf("--channel-tones: %w", err)
		}
		t, err := content.ParseTone(v)
		if err != nil {
			return o, fmt.Errorf("--channel-tones: %w", err)
		}
		if o.ChannelTones == nil {
			o.ChannelTones = map[content.Channel]content.Tone{}
		}
		o.ChannelTones[ch] = t
	}
	o.BaseURL, o.Brand = f.baseURL, f.brand
	return o, nil
}

// newRegistry registers every source the configuration allows: sample,
// files under the content directory and public URLs always; Google Docs and
// Notion when their credentials are set.
func newRegistry(f generateFlags, env func(string) string) (*source.Registry, error) {
	reg := source.NewRegistry()
	reg.Register("file", &source.File{Root: f.contentDir})

	var guard source.Guard
	for _, s := range strings.Split(f.allowNets, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%w: --allow-net %q: %v", errUsage, s, err)
		}
		guard.Allow = append(guard.Allow, p)
	}
	web := source.NewURL(source.URLConfig{Guard: guard})
	reg.Register("https", web)
	reg.Register("http", web)

	if path := env("HALCYTONE_GOOGLE_CREDENTIALS"); path != "" {
		key, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("HALCYTONE_GOOGLE_CREDENTIALS: %w", err)
		}
		g, err := source.NewGoogleDocs(source.GoogleDocsConfig{CredentialsJSON: key, Endpoint: env("HALCYTONE_GOOGLE_DOCS_URL")})
		if err != nil {
			return nil, fmt.Errorf("HALCYTONE_GOOGLE_CREDENTIALS: %w", err)
		}
		reg.Register("gdocs", g)
	}
	if tok := env("HALCYTONE_NOTION_TOKEN"); tok != "" {
		n, err := source.NewNotion(source.NotionConfig{Token: tok, Endpoint: env("HALCYTONE_NOTION_URL")})
		if err != nil {
			return nil, fmt.Errorf("HALCYTONE_NOTION_TOKEN: %w", err)
		}
		reg.Register("notion", n)
	}
	return reg, nil
}

// reference turns a bare path into a file: reference; anything with a
// scheme is returned as is.
func reference(arg string) string {
	if scheme, _, ok := strings.Cut(arg, ":"); ok && scheme != "" && !strings.ContainsAny(scheme, `/\.`) {
		return arg
	}
	return "file:" + arg
}

func envOr(env func(string) string, key, def string) string {
	if v := env(key); v != "" {
		return v
	}
	return def
}
