package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/halcytone/halcytone/cmd/halcytone/internal/server"
)

// Help reads like a manual page: "halcytone --help" (or "halcytone help")
// prints the program's page, and "halcytone help CMD" or "halcytone CMD -h"
// the command's. Pages go to standard output and the exit status is 0.

// helpPage is the text of one command's manual page, by section.
type helpPage struct {
	synopsis    string // lines after "halcytone "
	description string
	flags       func(env func(string) string) string // the FLAGS section; nil: none
	examples    string
	seeAlso     string
}

// helpPages are the pages of the commands this file knows. A command
// without one gets a page built around its own -h output.
func helpPages() map[string]helpPage {
	return map[string]helpPage{
		"serve": {
			synopsis: "serve [--config FILE] [flags]",
			description: `Runs the HTTP/WebSocket API: jobs, approvals, schedules, analytics, a cache,
live-session rooms and outgoing webhooks, documented at /docs and /openapi.json.
With no configuration it keeps its data in the SQLite file ./halcytone.db,
listens on :8000, reads the built-in sample: document, and runs every
publisher in dry run: it records what it would send and nothing leaves the
machine. Credentials switch a channel to real; --dry-run forces dry run.
On its first start it creates an admin API key and prints it, once.

Every flag is also an environment variable (--database-url is
HALCYTONE_DATABASE_URL) and a key of the JSON config file named by --config
("database_url"). Flags win over the environment, which wins over the file,
which wins over the default. An unknown key, an unknown HALCYTONE_ variable
or an invalid value stops the server with a message naming it.`,
			flags:    func(func(string) string) string { return serveFlagsHelp() },
			examples: serveExamples,
			seeAlso:  "halcytone mock -h, halcytone keys -h, docs/configuration.md (every setting, grouped), /docs on the running server",
		},
		"generate": {
			synopsis: `generate [flags] <source reference>
halcytone generate [flags] --out DIR <folder | reference>...
halcytone generate [flags] --plan day|week|month [--count N] [<folder | reference>...]`,
			description: `Fetches a living document, assembles it for every requested channel (the
newsletter, the web post, the social posts), validates the result and prints
it, as text for people, as JSON, or as the newsletter's HTML. Nothing is
stored or published, and no server or database is needed.

A source reference is one of:
  sample:              the built-in demo living document
  file:NAME            a file inside --content-dir (a bare path works too)
  https://HOST/PATH    a web page or raw file (public addresses only, unless --allow-net)
  gdocs:DOCUMENT_ID    a Google Doc (needs HALCYTONE_GOOGLE_CREDENTIALS)
  notion:DATABASE_ID   a Notion database (needs HALCYTONE_NOTION_TOKEN)

Batches. A folder inside --content-dir (an argument, or --dir) stands for
every .md, .markdown, .json and .txt file in it, in name order (hidden files
and subfolders are skipped); several arguments make a batch too. Each
document is fetched by the same confined file source as file: references.
A document that fails is reported and the others still complete; the exit
status is then 1. Progress goes to standard error: a bar on a terminal,
otherwise one line per document ("[3/12] file:news/a.md ok").

--out DIR writes, instead of printing, one subfolder per document, named
after its file ("news/today.md" is DIR/today; "today-md" and "today-json"
when two share a name): bundle.json (the bundle and the validation report),
newsletter.html and newsletter.txt (merge tags unfilled), webpost.html (the
web post as a standalone page).

--plan day|week|month spreads the documents (the sample when none is given)
over the business hours (09:00-17:00 in --timezone; weekdays only for week
and month) of the period from --start, one channel after another, email
first. --count N plans N publications, taking the documents in turn. The plan
is printed (text or --format json), or written to DIR/plan.json with --out.`,
			flags:    generateFlagsHelp,
			examples: generateExamples,
			seeAlso:  "halcytone serve -h (the same through the API: POST /api/v2/generate-content), README.md (the living-document format)",
		},
		"mock": {
			synopsis: "mock",
			description: `Starts fake CRM, website platform, CDN, X, LinkedIn, Facebook/Instagram
Graph and Notion services on loopback ports, seeded with demo data, and prints
the export lines that point "halcytone serve" at them, with a Notion document
to sync. The fakes speak the real services' wire formats and accept only the
demo credentials printed. They run until interrupted (Ctrl-C).`,
			examples: `Start the fakes, then a server that publishes to them:
    halcytone mock > mock.env &
    until grep -q NOTION_TOKEN mock.env; do sleep 0.5; done
    . ./mock.env && halcytone serve

Generate from the fake Notion database it prints:
    . ./mock.env && halcytone generate notion:5ca1ab1e0000400080000000000da7a5`,
			seeAlso: "halcytone serve -h, the five-minute tour in README.md",
		},
		"keys": {
			synopsis: `keys create --name NAME [--scopes read+write] [--rate-limit N] [--database-url URL]
halcytone keys list [--database-url URL]
halcytone keys revoke [--database-url URL] ID`,
			description: `Manages the API keys of the server's database. create prints the new key,
only once; the database keeps only its hash. Scopes are read, write, approve
and admin, joined by + or ",". A key is sent as "Authorization: Bearer KEY"
or "X-API-Key: KEY". Keys can also be seeded from HALCYTONE_API_KEYS when the
server starts (kept in memory only).`,
			flags: func(env func(string) string) string {
				return fmt.Sprintf(`--database-url URL
    the database (default %s)
--name NAME
    create: the key's name
--scopes SCOPES
    create: scopes joined by + (default read)
--rate-limit N
    create: requests per minute, 0 unlimited (default %d)
`, envOr(env, "HALCYTONE_DATABASE_URL", "sqlite:halcytone.db"), server.DefaultKeyLimit)
			},
			examples: `A key for a dashboard that reads and approves:
    halcytone keys create --name dashboard --scopes read+approve

List the keys, then revoke one by its ID:
    halcytone keys list
    halcytone keys revoke ID`,
			seeAlso: "halcytone serve -h (--api-keys), docs/configuration.md",
		},
		"migrate": {
			synopsis: "migrate [--database-url URL]",
			description: `Applies the pending migrations of the store and of the queue to the
database, then exits. serve does the same on start; run migrate first when
several servers share one PostgreSQL database, or before a deploy.`,
			flags: func(env func(string) string) string {
				return fmt.Sprintf("--database-url URL\n    sqlite:PATH or postgres://... (default %s)\n",
					envOr(env, "HALCYTONE_DATABASE_URL", "sqlite:halcytone.db"))
			},
			examples: `    halcytone migrate --database-url postgres://halcytone@localhost:5432/halcytone
    HALCYTONE_DATABASE_URL=sqlite:/var/lib/halcytone/halcytone.db halcytone migrate`,
			seeAlso: "halcytone serve -h (--database-url)",
		},
	}
}

const serveExamples = `Zero configuration: SQLite, dry run, the sample document:
    halcytone serve

PostgreSQL, JSON logs, a config file for the rest:
    HALCYTONE_DATABASE_URL=postgres://halcytone@localhost:5432/halcytone \
      halcytone serve --log-format json --config /etc/halcytone.json

Real LinkedIn posts, everything else in dry run:
    HALCYTONE_LINKEDIN_TOKEN=... HALCYTONE_LINKEDIN_AUTHOR=urn:li:organization:1001 halcytone serve`

const generateExamples = `The sample, as text:
    halcytone generate sample:

Two channels as JSON, with a template and a tone:
    halcytone generate --format json --channels email,twitter --template minimal --tone encouraging sample:

The newsletter's HTML of a file in ./content:
    halcytone generate --content-dir content --format html news.md > newsletter.html

Every document of content/weekly into site/, failing on validation errors:
    halcytone generate --content-dir content --strict --out site weekly

Five publications of the sample over a week from a Monday, in Paris time:
    halcytone generate --plan week --count 5 --start 2026-11-16 --timezone Europe/Paris sample:`

// serveFlagsHelp lists serve's settings by group, from serveSettings.
func serveFlagsHelp() string {
	var b strings.Builder
	for _, g := range groupSettings(serveSettings()) {
		fmt.Fprintf(&b, "%s:\n", g.group.title)
		for _, s := range g.settings {
			fmt.Fprintf(&b, "  --%s\n      %s", s.name, s.usage)
			if s.def != "" {
				fmt.Fprintf(&b, " (default %s)", s.def)
			}
			b.WriteString("\n      env " + s.env() + ", key \"" + s.configKey() + "\"")
			if s.secret {
				b.WriteString(", secret")
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("Config file:\n  --config FILE\n      JSON config file whose keys are the flag names (env HALCYTONE_CONFIG)\n")
	return b.String()
}

// generateFlagsHelp lists generate's flag set.
func generateFlagsHelp(env func(string) string) string {
	var f generateFlags
	return flagSetHelp(newGenerateFlagSet(&f, env))
}

// flagSetHelp lists the flags of fs in the layout of the pages:
// "--name VALUE", then the usage and the default on the next line.
func flagSetHelp(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		b.WriteString("--" + f.Name)
		if name != "" {
			b.WriteString(" " + name)
		}
		b.WriteString("\n    " + usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(&b, " (default %q)", f.DefValue)
		}
		b.WriteString("\n")
	})
	return b.String()
}

// indent prefixes every non-empty line of s with four spaces.
func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = "    " + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// section writes a page section: its name, then body indented.
func section(b *strings.Builder, name, body string) {
	fmt.Fprintf(b, "%s\n%s\n", name, indent(body))
}

// mainHelp is the program's manual page.
func mainHelp(cmds []command) string {
	var b strings.Builder
	section(&b, "NAME", "halcytone - turn living documents into newsletters, web posts and social posts")
	section(&b, "SYNOPSIS", "halcytone <command> [flags] [arguments]\nhalcytone help [command]\nhalcytone <command> -h")
	section(&b, "DESCRIPTION", `Halcytone reads living documents (a Google Doc, a Notion database, a web
page, or a Markdown, JSON or plain-text file a team keeps writing in) and
turns them into an email newsletter, a website post with SEO, and posts for
X, LinkedIn, Facebook and Instagram, each held to its platform's rules and
validated. "generate" does it on the command line; "serve" runs the API that
stores, approves, schedules and delivers it. Without credentials, every
publisher runs in dry run: nothing leaves the machine.`)
	var list strings.Builder
	width := 10
	for _, c := range cmds {
		width = max(width, len(c.name)+2)
	}
	for _, c := range cmds {
		fmt.Fprintf(&list, "%-*s %s\n", width, c.name, c.summary)
	}
	list.WriteString("\nRun \"halcytone help COMMAND\" or \"halcytone COMMAND -h\" for a command's page.")
	section(&b, "COMMANDS", list.String())
	section(&b, "EXAMPLES", `Preview the built-in sample document, every channel:
    halcytone generate sample:

Assemble a folder of Markdown files into site/:
    halcytone generate --content-dir content --out site weekly

Run the API with zero configuration (SQLite, dry run, port 8000):
    halcytone serve

Try everything against fake services:
    halcytone mock > mock.env &
    until grep -q NOTION_TOKEN mock.env; do sleep 0.5; done
    . ./mock.env && halcytone serve`)
	section(&b, "ENVIRONMENT", `HALCYTONE_CONFIG
    the JSON config file of serve (as --config)
HALCYTONE_<SETTING>
    every flag --name of serve is also HALCYTONE_NAME (HALCYTONE_DATABASE_URL,
    HALCYTONE_LOG_LEVEL, HALCYTONE_X_TOKEN, ...); see "halcytone serve -h"
HALCYTONE_DATABASE_URL
    the database of serve, keys and migrate (default sqlite:halcytone.db)
HALCYTONE_CONTENT_DIR
    the folder file: references are confined to (serve, generate)
HALCYTONE_GOOGLE_CREDENTIALS, HALCYTONE_NOTION_TOKEN
    enable gdocs: and notion: references (serve, generate)
HALCYTONE_BASE_URL, HALCYTONE_BRAND
    generate's --base-url and --brand`)
	section(&b, "EXIT STATUS", "0 on success, 1 when the command failed, 2 for a bad command line.")
	section(&b, "SEE ALSO", `README.md, docs/configuration.md, the API reference at /docs and
/openapi.json of a running server, and "go doc github.com/halcytone/halcytone"
for the library.`)
	return b.String()
}

// commandHelp is the manual page of c.
func commandHelp(ctx context.Context, c command, env func(string) string) string {
	page, ok := helpPages()[c.name]
	if !ok {
		page = fallbackPage(ctx, c, env)
	}
	var b strings.Builder
	section(&b, "NAME", "halcytone "+c.name+" - "+c.summary)
	section(&b, "SYNOPSIS", "halcytone "+page.synopsis)
	section(&b, "DESCRIPTION", page.description)
	if page.flags != nil {
		section(&b, "FLAGS", page.flags(env))
	}
	section(&b, "EXAMPLES", page.examples)
	if page.seeAlso != "" {
		section(&b, "SEE ALSO", page.seeAlso+`, halcytone --help`)
	} else {
		section(&b, "SEE ALSO", "halcytone --help")
	}
	return b.String()
}

// fallbackPage builds a page for a command this file does not know from
// the usage the command prints itself for -h.
func fallbackPage(ctx context.Context, c command, env func(string) string) helpPage {
	var usage bytes.Buffer
	_ = c.run(ctx, []string{"-h"}, env, &usage, &usage)
	return helpPage{
		synopsis:    c.name + " [flags] [arguments]",
		description: c.summary + ".\n\n" + strings.TrimRight(usage.String(), "\n"),
		examples:    "Print this page:\n    halcytone " + c.name + " -h",
	}
}

// isHelpFlag reports whether arg asks for help.
func isHelpFlag(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}

// wantsHelp reports whether the arguments of command name ask for its
// page: a help flag first, or anywhere before "--" for the commands whose
// page this file writes (the others may have subcommands with their own
// -h).
func wantsHelp(name string, args []string) bool {
	if len(args) > 0 && isHelpFlag(args[0]) {
		return true
	}
	if _, ok := helpPages()[name]; !ok {
		return false
	}
	for _, a := range args {
		if a == "--" {
			return false
		}
		if isHelpFlag(a) {
			return true
		}
	}
	return false
}

// runHelp is "halcytone help [command]".
func runHelp(ctx context.Context, args []string, env func(string) string, stdout io.Writer) error {
	cmds := commands()
	if len(args) == 0 {
		_, err := io.WriteString(stdout, mainHelp(cmds))
		return err
	}
	for _, c := range cmds {
		if c.name == args[0] {
			_, err := io.WriteString(stdout, commandHelp(ctx, c, env))
			return err
		}
	}
	return fmt.Errorf("%w: no help for %q (commands: %s)", errUsage, args[0], commandNames(cmds))
}

// commandNames lists the names of cmds, comma-separated.
func commandNames(cmds []command) string {
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}
