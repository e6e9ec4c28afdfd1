package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/halcytone/halcytone/content"
	"github.com/halcytone/halcytone/schedule"
	"github.com/halcytone/halcytone/source"
)

// A batch of generate assembles several documents one after the other:
// the files of a folder (--dir or a folder argument, always inside
// --content-dir, read by the same file source as file: references), any
// further references, or the sample for a plan. Each document's failure
// is reported and counted; the others still complete, and the command
// fails (exit status 1) at the end when any did.

// batchMode checks the batch flags and reports whether the command line
// asks for a batch: --dir, --out, --plan, several arguments, or one that
// names a folder inside --content-dir.
func (f generateFlags) batchMode(args []string) (bool, error) {
	if f.plan == "" && (f.count != 0 || f.start != "") {
		return false, errors.New("--count and --start need --plan")
	}
	if f.plan != "" {
		if _, err := f.planSettings(time.Now()); err != nil {
			return false, err
		}
		if f.count < 0 || f.count > schedule.MaxPlanItems {
			return false, fmt.Errorf("--count %d: want 1 to %d (0: one per document)", f.count, schedule.MaxPlanItems)
		}
	}
	if len(args) == 0 && f.dir == "" && f.plan == "" {
		return false, errors.New("want a source reference or a folder")
	}
	batch := f.dir != "" || f.out != "" || f.plan != "" || len(args) > 1 || (len(args) == 1 && f.isFolder(args[0]))
	if batch && f.out == "" && f.format == "html" {
		return false, errors.New("--format html prints one newsletter; give --out DIR to write the HTML of several documents or of a plan")
	}
	return batch, nil
}

// planSettings are the parsed --plan, --timezone and --start.
type planSettings struct {
	period schedule.Period
	zone   string
	start  time.Time
}

// planSettings parses the plan flags; now is the default start.
func (f generateFlags) planSettings(now time.Time) (planSettings, error) {
	p := planSettings{period: schedule.Period(f.plan), zone: f.timezone}
	switch p.period {
	case schedule.PeriodDay, schedule.PeriodWeek, schedule.PeriodMonth:
	default:
		return p, fmt.Errorf("--plan %q: want day, week or month", f.plan)
	}
	if p.zone == "" {
		p.zone = "UTC"
	}
	loc, err := time.LoadLocation(p.zone)
	if err != nil || strings.EqualFold(p.zone, "local") {
		return p, fmt.Errorf("--timezone %q: not an IANA time zone", f.timezone)
	}
	if p.start, err = parsePlanStart(f.start, loc, now); err != nil {
		return p, err
	}
	return p, nil
}

// parsePlanStart reads --start: RFC 3339, or a local date with an
// optional time of day in loc; empty is now. Like a job's publish time, it
// is at most content.MaxScheduleYears ahead of now (so that the plan's
// times can all be written in RFC 3339, too).
func parsePlanStart(s string, loc *time.Location, now time.Time) (time.Time, error) {
	if s == "" {
		return now.In(loc), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err == nil {
		t = t.In(loc)
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if err == nil {
			break
		}
		t, err = schedule.ParseInLocation(layout, s, loc)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("--start %q: want RFC 3339 or YYYY-MM-DD[THH:MM]", s)
	}
	if t.After(now.AddDate(content.MaxScheduleYears, 0, 0)) {
		return time.Time{}, fmt.Errorf("--start %q: more than %d year ahead", s, content.MaxScheduleYears)
	}
	return t, nil
}

// isFolder reports whether arg names a folder inside --content-dir.
func (f generateFlags) isFolder(arg string) bool {
	name, ok := strings.CutPrefix(reference(arg), "file:")
	if !ok || !filepath.IsLocal(name) {
		return false
	}
	root, err := os.OpenRoot(f.contentDir)
	if err != nil {
		return false
	}
	defer root.Close()
	info, err := root.Stat(name)
	return err == nil && info.IsDir()
}

// isDocumentFile reports whether a folder entry is a living document by
// its extension, as source.File reads them.
func isDocumentFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown", ".json", ".txt":
		return !strings.HasPrefix(name, ".")
	}
	return false
}

// listFolder returns the file: references of the documents in the folder
// name of contentDir, in name order. Hidden files and subfolders are
// skipped. The folder is opened through os.Root, so it cannot leave
// contentDir, as file: references cannot.
func listFolder(contentDir, name string) ([]string, error) {
	name = strings.TrimPrefix(name, "file:")
	if !filepath.IsLocal(name) {
		return nil, fmt.Errorf("folder %q leaves the content directory %q", name, contentDir)
	}
	root, err := os.OpenRoot(contentDir)
	if err != nil {
		return nil, fmt.Errorf("content directory: %w", err)
	}
	defer root.Close()
	dir := filepath.ToSlash(filepath.Clean(name))
	entries, err := fs.ReadDir(root.FS(), dir)
	if err != nil {
		return nil, fmt.Errorf("folder %q in %q: %w", name, contentDir, err)
	}
	var refs []string
	for _, e := range entries {
		if !e.IsDir() && isDocumentFile(e.Name()) {
			refs = append(refs, "file:"+path.Join(dir, e.Name()))
		}
	}
	if len(refs) == 0 {
		return nil, fmt.Errorf("folder %q in %q has no .md, .markdown, .json or .txt file", name, contentDir)
	}
	return refs, nil
}

// batchReferences expands --dir and the arguments into references, in
// order; a plan with none plans the sample.
func (f generateFlags) batchReferences(args []string) ([]string, error) {
	var refs []string
	if f.dir != "" {
		r, err := listFolder(f.contentDir, f.dir)
		if err != nil {
			return nil, err
		}
		refs = append(refs, r...)
	}
	for _, a := range args {
		if !f.isFolder(a) {
			refs = append(refs, reference(a))
			continue
		}
		r, err := listFolder(f.contentDir, strings.TrimPrefix(reference(a), "file:"))
		if err != nil {
			return nil, err
		}
		refs = append(refs, r...)
	}
	if len(refs) == 0 {
		refs = []string{"sample:"}
	}
	return refs, nil
}

// batchDoc is one document of a batch and what became of it.
type batchDoc struct {
	ref    string
	folder string // subfolder of --out
	out    output // nil Bundle: failed before assembly
	err    error  // why it failed; nil: ok
}

// status is the word of the progress line: ok, ok with validation
// errors, or failed and why.
func (d *batchDoc) status() string {
	switch {
	case d.err != nil:
		return "failed: " + d.err.Error()
	case !d.out.Report.Valid:
		return fmt.Sprintf("ok, %d validation errors", len(d.out.Report.Issues))
	}
	return "ok"
}

// runGenerateBatch assembles every document of the batch, writes or
// prints each one (or the plan), and fails when any document did.
func runGenerateBatch(ctx context.Context, f generateFlags, opts content.Options, reg *source.Registry, args []string, stdout, stderr io.Writer) error {
	var plan planSettings
	if f.plan != "" {
		var err error
		if plan, err = f.planSettings(time.Now()); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		// Fail before any fetch when the period itself cannot be planned.
		if _, err := schedule.Plan(f.planRequest(plan, opts, []string{"probe"}, 1)); err != nil {
			return fmt.Errorf("%w: --plan: %v", errUsage, err)
		}
	}
	refs, err := f.batchReferences(args)
	if err != nil {
		return err
	}
	if f.out != "" {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	docs := make([]*batchDoc, len(refs))
	for i, name := range folderNames(refs) {
		docs[i] = &batchDoc{ref: refs[i], folder: name}
	}

	// A bar only where nothing else is printed beside it on the terminal.
	bar := isTerminal(stderr) && (f.out != "" || f.plan != "" || !isTerminal(stdout))
	prog := newProgress(stderr, len(docs), bar)
	asm := content.NewAssembler()
	printBundles := f.out == "" && f.plan == ""
	var printed []documentOutput
	failed := 0
	for i, d := range docs {
		if err := ctx.Err(); err != nil {
			prog.close()
			return err
		}
		prog.begin(d.ref)
		d.out, d.err = assembleOne(ctx, reg, asm, opts, d.ref)
		if d.err == nil && f.out != "" {
			d.err = writeDocumentFiles(filepath.Join(f.out, d.folder), d.ref, d.out)
		}
		if d.err == nil && f.strict && !d.out.Report.Valid {
			d.err = fmt.Errorf("validation found %d errors", len(d.out.Report.Issues))
		}
		if d.err != nil {
			failed++
		}
		prog.end(i, d.ref, d.status())
		if printBundles {
			switch f.format {
			case "json":
				printed = append(printed, d.documentOutput())
			default:
				if err := printTextDocument(stdout, i, len(docs), d); err != nil {
					prog.close()
					return err
				}
			}
		}
	}
	prog.close()
	if bar {
		for _, d := range docs {
			if d.err != nil {
				fmt.Fprintf(stderr, "%s: %v\n", d.ref, d.err)
			}
		}
	}
	if printBundles && f.format == "json" {
		if err := writeJSONValue(stdout, printed); err != nil {
			return err
		}
	}

	summary := fmt.Sprintf("%s: %d ok, %d failed", plural(len(docs), "document"), len(docs)-failed, failed)
	if f.out != "" {
		summary += "; files in " + f.out
	}
	if f.plan != "" {
		if err := f.emitPlan(plan, opts, docs, stdout); err != nil {
			return err
		}
		if f.out != "" {
			summary += "; plan in " + filepath.Join(f.out, "plan.json")
		}
	}
	fmt.Fprintln(stderr, summary)
	if failed > 0 {
		return fmt.Errorf("%d of %d documents failed", failed, len(docs))
	}
	return nil
}

// assembleOne fetches, assembles and validates one document.
func assembleOne(ctx context.Context, reg *source.Registry, asm content.Assembler, opts content.Options, ref string) (output, error) {
	doc, err := reg.Fetch(ctx, ref)
	if err != nil {
		return output{}, err
	}
	bundle, err := asm.Assemble(ctx, doc, opts)
	if err != nil {
		return output{}, err
	}
	return output{Bundle: bundle, Report: content.Check(ctx, content.NewValidator(), doc, bundle)}, nil
}

// documentOutput is one document of a batch as JSON: its reference and
// bundle, or the error that stopped it.
type documentOutput struct {
	Reference string          `json:"reference"`
	Bundle    *content.Bundle `json:"bundle,omitempty"`
	Report    *content.Report `json:"validation,omitempty"`
	Error     string          `json:"error,omitempty"`
}

// documentOutput is d as printed in a JSON batch.
func (d *batchDoc) documentOutput() documentOutput {
	o := documentOutput{Reference: d.ref, Bundle: d.out.Bundle, Report: d.out.Report}
	if d.err != nil {
		o.Error = d.err.Error()
	}
	return o
}

// planRequest is the schedule.Plan request of the batch: count
// publications (one per document when 0), the titles taken in turn.
func (f generateFlags) planRequest(p planSettings, opts content.Options, titles []string, count int) schedule.PlanRequest {
	if count == 0 {
		count = len(titles)
	}
	cycled := make([]string, count)
	for i := range cycled {
		cycled[i] = titles[i%len(titles)]
	}
	var channels []string
	for _, c := range opts.Channels {
		channels = append(channels, string(c))
	}
	if len(channels) == 0 {
		for _, c := range content.Channels() {
			channels = append(channels, string(c))
		}
	}
	return schedule.PlanRequest{
		Period: p.period, Start: p.start, TimeZone: p.zone, Channels: channels,
		Count: count, Titles: cycled, Template: f.template,
	}
}

// planOutput is the plan generate prints or writes: when each document
// goes out, on which channel.
type planOutput struct {
	Period   schedule.Period `json:"period"`
	Timezone string          `json:"timezone"`
	Start    time.Time       `json:"start"`
	End      time.Time       `json:"end"`
	Slots    []planSlot      `json:"slots"`
}

// planSlot is one planned publication: slot Item (from 0) publishes the
// document Reference on Channel at At.
type planSlot struct {
	At        time.Time        `json:"at"`
	Channel   content.Channel  `json:"channel"`
	Item      int              `json:"item"`
	Reference string           `json:"document"`
	Folder    string           `json:"folder,omitempty"`
	Title     string           `json:"title,omitempty"`
	Template  content.Template `json:"template"`
}

// emitPlan plans the documents that did not fail and writes the plan to
// --out/plan.json, or prints it.
func (f generateFlags) emitPlan(p planSettings, opts content.Options, docs []*batchDoc, stdout io.Writer) error {
	var ok []*batchDoc
	var titles []string
	for _, d := range docs {
		if d.err == nil {
			ok = append(ok, d)
			titles = append(titles, d.out.Bundle.Title)
		}
	}
	if len(ok) == 0 {
		return errors.New("no document to plan: every one failed")
	}
	bp, err := schedule.Plan(f.planRequest(p, opts, titles, f.count))
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	po := planOutput{Period: bp.Period, Timezone: p.zone, Start: bp.Start, End: bp.End, Slots: make([]planSlot, len(bp.Slots))}
	for i, s := range bp.Slots {
		d := ok[s.Item%len(ok)]
		po.Slots[i] = planSlot{At: s.At, Channel: s.Channel, Item: s.Item, Reference: d.ref, Title: s.Title, Template: s.Template}
		if f.out != "" {
			po.Slots[i].Folder = d.folder
		}
	}
	if f.out != "" {
		return writeJSONFile(filepath.Join(f.out, "plan.json"), po)
	}
	if f.format == "json" {
		return writeJSONValue(stdout, po)
	}
	return writePlanText(stdout, po)
}

// folderNames gives each reference a stable subfolder name: the file's
// base name without its extension ("file:news/today.md" is "today"), with
// the extension kept when two documents of the batch share a base name
// ("today-md", "today-json"), then -2, -3... for what still collides.
func folderNames(refs []string) []string {
	base := make([]string, len(refs))
	seen := map[string]int{}
	for i, r := range refs {
		base[i] = refBase(r)
		seen[base[i]]++
	}
	used := map[string]bool{}
	names := make([]string, len(refs))
	for i, r := range refs {
		n := base[i]
		if seen[n] > 1 {
			if ext := refExt(r); ext != "" {
				n += "-" + ext
			}
		}
		name := n
		for k := 2; used[name]; k++ {
			name = fmt.Sprintf("%s-%d", n, k)
		}
		used[name] = true
		names[i] = name
	}
	return names
}

// refBase is the readable part of a reference, safe as a file name.
func refBase(ref string) string {
	scheme, rest, _ := strings.Cut(ref, ":")
	var s string
	switch scheme {
	case "sample":
		s = "sample"
	case "file":
		b := path.Base(filepath.ToSlash(rest))
		s = strings.TrimSuffix(b, path.Ext(b))
	case "http", "https":
		if u, err := url.Parse(ref); err == nil {
			b := path.Base(u.Path)
			s = strings.TrimSuffix(b, path.Ext(b))
			if b == "/" || b == "." || s == "" {
				s = u.Hostname()
			}
		}
	default:
		s = scheme + "-" + rest
	}
	return safeName(s)
}

// refExt is the extension of a file or URL reference, without its dot.
func refExt(ref string) string {
	p := ref
	if u, err := url.Parse(ref); err == nil && u.Path != "" && (u.Scheme == "http" || u.Scheme == "https") {
		p = u.Path
	}
	ext := strings.TrimPrefix(path.Ext(filepath.ToSlash(p)), ".")
	if ext == "" {
		return ""
	}
	return safeName(ext)
}

// safeName keeps letters, digits, '.', '_' and '-', turns other runs into
// one '-', and never returns an empty, hidden or overlong name.
func safeName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		ok := r == '.' || r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-.")
	if len(out) > 80 {
		out = strings.Trim(out[:80], "-.")
	}
	if out == "" {
		return "document"
	}
	return out
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// progress reports a batch: a bar on a terminal, else one plain line per
// document ("[3/12] file:news.md ok").
type progress struct {
	w     io.Writer
	total int
	bar   *progressbar.ProgressBar // nil: plain lines
}

// newProgress reports total documents to w, with a bar when bar is set.
func newProgress(w io.Writer, total int, bar bool) *progress {
	p := &progress{w: w, total: total}
	if bar {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("generate"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionSetPredictTime(false),
		)
	}
	return p
}

// begin shows that ref is being worked on.
func (p *progress) begin(ref string) {
	if p.bar != nil {
		p.bar.Describe(ref)
	}
}

// end reports document i (from 0) done with status.
func (p *progress) end(i int, ref, status string) {
	if p.bar != nil {
		_ = p.bar.Add(1)
		return
	}
	fmt.Fprintf(p.w, "[%d/%d] %s %s\n", i+1, p.total, ref, status)
}

// close finishes the bar, leaving the cursor on a new line.
func (p *progress) close() {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
		p.bar = nil
	}
}

// plural is "1 document" or "3 documents".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
