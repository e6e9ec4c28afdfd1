package main

import (
	"fmt"
	"slices"
	"strings"
)

// configDocPath is where configurationMarkdown is kept, from the
// repository root; configdoc_test.go keeps the file up to date.
const configDocPath = "docs/configuration.md"

// settingGroup is a heading of the configuration reference and of
// "halcytone serve -h": the settings named in names, then those whose
// name starts with one of prefixes.
type settingGroup struct {
	title    string
	intro    string
	names    []string
	prefixes []string
}

// settingGroups are the headings, in order. A setting that none claims
// lands in a last group, "Other", so that nothing goes undocumented.
func settingGroups() []settingGroup {
	return []settingGroup{
		{title: "Server", intro: "Listening, the document sources it may read, the workflow and its workers.",
			names: []string{"addr", "dry-run", "content-dir", "timezone", "workers", "schedule-interval", "approval-policy", "reviewers"}},
		{title: "Storage", intro: "Where jobs, approvals, schedules, keys and the queue live.",
			names: []string{"database-url"}},
		{title: "Logging", intro: "What the server writes to standard error.",
			names: []string{"log-format", "log-level"}},
		{title: "Security", intro: "API keys, request limits, CORS and the reach of outgoing requests.",
			names: []string{"api-keys", "allowed-origins", "body-limit", "url-allow", "cache-webhook-secret", "webhook-allow-private"}},
		{title: "Credentials: email", intro: "A CRM URL (with its key) or an SMTP host switches the email channel from dry run to real; the CRM wins when both are set.",
			prefixes: []string{"crm-", "smtp-"}},
		{title: "Credentials: website", intro: "The platform URL (with its token) switches the website channel to real; a CDN URL adds cache purges.",
			prefixes: []string{"platform-", "cdn-"}},
		{title: "Credentials: X", intro: "A token switches the X (Twitter) channel to real.",
			prefixes: []string{"x-"}},
		{title: "Credentials: LinkedIn", intro: "A token switches the LinkedIn channel to real; the author URN says who posts.",
			prefixes: []string{"linkedin-"}},
		{title: "Credentials: Facebook and Instagram", intro: "A Graph token with a page ID (Facebook) or a business user ID (Instagram) switches that channel to real.",
			prefixes: []string{"graph-", "facebook-", "instagram-"}},
		{title: "Credentials: Google Docs source", intro: "Lets gdocs:DOCUMENT_ID references be fetched.",
			prefixes: []string{"google-"}},
		{title: "Credentials: Notion source", intro: "Lets notion:DATABASE_ID references be fetched.",
			prefixes: []string{"notion-"}},
	}
}

// groupedSettings is one group with its settings, in serveSettings order.
type groupedSettings struct {
	group    settingGroup
	settings []setting
}

// groupSettings sorts settings into settingGroups; empty groups are left
// out and unclaimed settings go to "Other".
func groupSettings(settings []setting) []groupedSettings {
	groups := settingGroups()
	out := make([]groupedSettings, len(groups)+1)
	for i, g := range groups {
		out[i].group = g
	}
	out[len(groups)].group = settingGroup{title: "Other", intro: "Settings not yet sorted into a group above."}
	for _, s := range settings {
		at := len(groups)
		for i, g := range groups {
			if slices.Contains(g.names, s.name) || slices.ContainsFunc(g.prefixes, func(p string) bool { return strings.HasPrefix(s.name, p) }) {
				at = i
				break
			}
		}
		out[at].settings = append(out[at].settings, s)
	}
	return slices.DeleteFunc(out, func(g groupedSettings) bool { return len(g.settings) == 0 })
}

// configKey is a setting's key in the config file, as the README spells
// it: underscores for dashes (both are accepted).
func (s setting) configKey() string { return strings.ReplaceAll(s.name, "-", "_") }

// configExampleKeys are the settings of the config file example, with the
// JSON value shown for each.
func configExampleKeys() [][2]string {
	return [][2]string{
		{"addr", `"127.0.0.1:8000"`},
		{"database-url", `"postgres://halcytone@db:5432/halcytone"`},
		{"log-format", `"json"`},
		{"workers", `50`},
		{"dry-run", `true`},
	}
}

// generateEnvironment are the variables generate reads, which are flags
// of generate only, not keys of the config file.
func generateEnvironment() [][2]string {
	return [][2]string{
		{"HALCYTONE_CONTENT_DIR", "`--content-dir`: the folder that file: references and batch folders are confined to"},
		{"HALCYTONE_BASE_URL", "`--base-url`: the website's root, for links and JSON-LD (generate only: serve refuses it as unknown)"},
		{"HALCYTONE_BRAND", "`--brand`: the sender's name (generate only: serve refuses it as unknown)"},
		{"HALCYTONE_URL_ALLOW", "`--allow-net`: CIDR prefixes that URL fetches may reach although private or loopback"},
		{"HALCYTONE_TIMEZONE", "`--timezone`: the time zone of `--plan`"},
		{"HALCYTONE_GOOGLE_CREDENTIALS", "a service-account key file: enables gdocs: references (with HALCYTONE_GOOGLE_DOCS_URL for a fake)"},
		{"HALCYTONE_NOTION_TOKEN", "an integration token: enables notion: references (with HALCYTONE_NOTION_URL for a fake)"},
	}
}

// mdCell escapes text for a Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, `|`, `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// configurationMarkdown is docs/configuration.md: the reference of every
// setting of serve, generated from serveSettings.
func configurationMarkdown() string {
	settings := serveSettings()
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("# Configuration\n\n")
	p("<!-- Generated from serveSettings() in cmd/halcytone/config.go by configurationMarkdown() in\n")
	p("     cmd/halcytone/configdoc.go. Do not edit by hand: run\n")
	p("     go test ./cmd/halcytone -run TestConfigurationDoc -update -->\n\n")
	p("`halcytone serve` has %d settings. Each one is a flag, an environment variable and a key of an\n", len(settings))
	p("optional JSON config file: `--database-url` is `HALCYTONE_DATABASE_URL` is `\"database_url\"`.\n")
	p("With none of them set, the server runs with SQLite in `./halcytone.db`, every publisher in dry run,\n")
	p("on port 8000. `halcytone serve -h` prints the same list.\n\n")

	p("## Precedence\n\n")
	p("For each setting, the first of these that is present wins:\n\n")
	p("1. the flag (`--name value` or `--name=value`; a flag given as an empty string counts);\n")
	p("2. the environment variable `HALCYTONE_NAME` (upper case, dashes as underscores; an empty\n   variable counts as unset);\n")
	p("3. the key of the config file;\n")
	p("4. the default.\n\n")
	p("So: **flags > environment > config file > default**. Every value is checked after this choice,\n")
	p("and an invalid one stops the server with a message naming where it came from (the flag, the\n")
	p("variable or the file's key).\n\n")

	p("## The config file\n\n")
	p("`--config FILE` (or `HALCYTONE_CONFIG=FILE`) names a JSON file holding one object. Its keys are the\n")
	p("flag names without the dashes in front; underscores may stand for the dashes inside\n")
	p("(`database_url` and `database-url` are the same key). Values are JSON strings, numbers or booleans.\n")
	p("An unknown key, or any other kind of value, stops the server with a message naming the key.\n\n")
	p("```json\n{\n")
	ex := configExampleKeys()
	for i, kv := range ex {
		comma := ","
		if i == len(ex)-1 {
			comma = ""
		}
		p("  %q: %s%s\n", strings.ReplaceAll(kv[0], "-", "_"), kv[1], comma)
	}
	p("}\n```\n\n")
	p("Keep secrets out of flags, which other users of the machine can read in the process list: use the\n")
	p("environment or a config file that only the server's user can read (`chmod 600`).\n\n")

	p("## Environment\n\n")
	p("Besides the variables in the tables below, serve accepts %s; `HALCYTONE_CONFIG` names the\n",
		joinCode(envKeysOutsideConfig))
	p("config file. Any other variable starting with `HALCYTONE_` stops the server as unknown (a\n")
	p("misspelt setting would otherwise be ignored), except those starting with `HALCYTONE_TEST_`,\n")
	p("which belong to the test suite.\n\n")

	p("## Settings\n\n")
	p("Secret settings are marked **secret**: error messages show their values as `<redacted>`.\n")
	for _, g := range groupSettings(settings) {
		p("\n### %s\n\n%s\n\n", g.group.title, g.group.intro)
		p("| Flag | Environment variable | Config key | Default | Description |\n")
		p("|---|---|---|---|---|\n")
		for _, s := range g.settings {
			def := "—"
			if s.def != "" {
				def = "`" + mdCell(s.def) + "`"
			}
			desc := mdCell(s.usage)
			if s.secret {
				desc = "**secret** — " + desc
			}
			p("| `--%s` | `%s` | `%s` | %s | %s |\n", s.name, s.env(), s.configKey(), def, desc)
		}
	}

	p("\n## Other commands\n\n")
	p("`halcytone keys` and `halcytone migrate` take `--database-url`; without it they use the database\n")
	p("serve would, read the same way: `HALCYTONE_DATABASE_URL`, then `database_url` in the config file of\n")
	p("`--config` or `HALCYTONE_CONFIG`, then `sqlite:halcytone.db`.\n\n")
	p("`halcytone generate` reads no config file; its flags default to these variables:\n\n")
	p("| Variable | Meaning |\n|---|---|\n")
	for _, kv := range generateEnvironment() {
		p("| `%s` | %s |\n", kv[0], mdCell(kv[1]))
	}
	return b.String()
}

// joinCode joins names as Markdown code: `A`, `B` and `C`.
func joinCode(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	switch len(q) {
	case 0:
		return "nothing else"
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
