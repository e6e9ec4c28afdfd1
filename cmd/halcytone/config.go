package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// setting is one configuration key of serve: a flag --name, an environment
// variable HALCYTONE_NAME (upper case, dashes as underscores) and a key
// "name" of the optional JSON config file. Flags win over the environment,
// which wins over the file.
type setting struct {
	name   string
	def    string
	usage  string
	secret bool
	check  func(string) error // nil: any string
	// boolean settings may be given as a bare flag (--dry-run).
	boolean bool
}

func (s setting) env() string {
	return "HALCYTONE_" + strings.ToUpper(strings.ReplaceAll(s.name, "-", "_"))
}

func nonEmpty(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("must not be empty")
	}
	return nil
}

// isDir accepts an existing directory.
func isDir(v string) error {
	fi, err := os.Stat(v)
	if err != nil {
		return errors.New("no such directory")
	}
	if !fi.IsDir() {
		return errors.New("not a directory")
	}
	return nil
}

// isPrefixList accepts CIDR prefixes joined by commas, such as
// 10.0.0.0/8,fd00::/8.
func isPrefixList(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if _, err := netip.ParsePrefix(s); err != nil {
			return fmt.Errorf("%q is not a CIDR prefix such as 10.0.0.0/8", s)
		}
	}
	return nil
}

func isBool(v string) error { _, err := strconv.ParseBool(v); return err }

func isInt(min int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return errors.New("not an integer")
		}
		if n < min {
			return fmt.Errorf("less than %d", min)
		}
		return nil
	}
}

func isPositiveDuration(v string) error {
	d, err := time.ParseDuration(v)
	if err == nil && d <= 0 {
		err = errors.New("want a positive duration, such as 5m")
	}
	return err
}

func oneOf(vals ...string) func(string) error {
	return func(v string) error {
		if !slices.Contains(vals, v) {
			return fmt.Errorf("want one of %s", strings.Join(vals, ", "))
		}
		return nil
	}
}

func isZone(v string) error { _, err := time.LoadLocation(v); return err }

// serveSettings are every key serve reads.
func serveSettings() []setting {
	return []setting{
		{name: "addr", def: ":8000", usage: "listen address"},
		{name: "database-url", def: "sqlite:halcytone.db", usage: "sqlite:PATH (the default, embedded) or postgres://...", check: nonEmpty},
		{name: "dry-run", def: "false", usage: "force every publisher to dry run, credentials or not", check: isBool, boolean: true},
		{name: "content-dir", def: ".", usage: "directory that file: references may read", check: isDir},
		{name: "url-allow", usage: "comma-separated CIDR prefixes that URL fetching may reach despite the SSRF guard", check: isPrefixList},
		{name: "timezone", def: "UTC", usage: "IANA time zone of local schedule times and of the analytics dates, days and hours", check: isZone},
		{name: "log-format", def: "text", usage: "text or json", check: oneOf("text", "json")},
		{name: "log-level", def: "info", usage: "debug, info, warn or error", check: oneOf("debug", "info", "warn", "error")},
		{name: "allowed-origins", usage: "comma-separated CORS origins; empty allows any"},
		{name: "body-limit", def: "1048576", usage: "largest request body in bytes", check: isInt(1024)},
		{name: "approval-policy", usage: "JSON or YAML approval policy file; empty uses the default"},
		{name: "reviewers", usage: "reviewers and roles: name:role+role,name:role (roles of the approval policy; the default policy's are editor, marketing, manager, legal and executive)"},
		{name: "workers", def: "100", usage: "queue workers", check: isInt(1)},
		{name: "schedule-interval", def: "30s", usage: "how often recurring schedules and escalations are checked", check: isPositiveDuration},
		{name: "api-keys", usage: "seed keys name:key:scopes[:per-minute-limit],... (kept in memory)", secret: true},
		{name: "cache-webhook-secret", usage: "secret of POST /api/v2/cache/webhook (whsec_...)", secret: true},
		{name: "cache-max-mb", def: "64", usage: "memory of the content cache in MiB (entries counted by their JSON size; the process may hold about twice that)", check: isInt(1)},
		{name: "cache-ttl", def: "5m", usage: "lifetime of a cached document or preview", check: isPositiveDuration},
		{name: "gc-floor-mb", def: "32", usage: "while requests arrive, let the heap grow to this many MiB between collections when the live heap is small (0: off; ignored when GOGC=off)", check: isInt(0)},
		{name: "trim-code-pages", def: "true", usage: "after start-up, map the executable's read-only pages one at a time and drop those start-up mapped (Linux; ~4 MiB less RSS)", check: isBool, boolean: true},
		{name: "webhook-allow-private", def: "false", usage: "let outgoing webhooks reach private and loopback addresses (demos, tests)", check: isBool, boolean: true},
		// Credentials: each set switches its publisher or source from dry run to real.
		{name: "crm-url", usage: "CRM API base URL (email)"},
		{name: "crm-api-key", usage: "CRM API key", secret: true},
		{name: "smtp-host", usage: "SMTP host (email over SMTP; used when no CRM is set)"},
		{name: "smtp-port", def: "587", usage: "SMTP port", check: isInt(1)},
		{name: "smtp-username", usage: "SMTP user"},
		{name: "smtp-password", usage: "SMTP password", secret: true},
		{name: "smtp-from", usage: "sender address"},
		{name: "smtp-recipients", usage: "comma-separated recipients of SMTP newsletters: address or Name <address>"},
		{name: "smtp-tls", def: "mandatory", usage: "STARTTLS: mandatory, opportunistic or none", check: oneOf("mandatory", "opportunistic", "none")},
		{name: "platform-url", usage: "website platform API base URL"},
		{name: "platform-token", usage: "website platform API token", secret: true},
		{name: "cdn-url", usage: "CDN API base URL (Cloudflare-style purge)"},
		{name: "cdn-zone", usage: "CDN zone ID"},
		{name: "cdn-token", usage: "CDN API token", secret: true},
		{name: "x-url", def: "https://api.x.com", usage: "X API base URL"},
		{name: "x-token", usage: "X OAuth 2.0 user token", secret: true},
		{name: "linkedin-url", def: "https://api.linkedin.com", usage: "LinkedIn API base URL"},
		{name: "linkedin-token", usage: "LinkedIn token", secret: true},
		{name: "linkedin-author", usage: "LinkedIn author URN (urn:li:organization:...)"},
		{name: "graph-url", def: "https://graph.facebook.com/v21.0", usage: "Facebook Graph API root, with its version"},
		{name: "graph-token", usage: "Facebook Graph page token", secret: true},
		{name: "facebook-page-id", usage: "Facebook Page ID"},
		{name: "instagram-user-id", usage: "Instagram business user ID"},
		{name: "google-credentials", usage: "Google service-account JSON file (gdocs: references)"},
		{name: "google-docs-url", usage: "Google Docs API base URL (tests and fakes)"},
		{name: "notion-token", usage: "Notion integration token (notion: references)", secret: true},
		{name: "notion-url", usage: "Notion API base URL (tests and fakes)"},
	}
}

// serveConfig is the resolved configuration: each key's value.
type serveConfig map[string]string

func (c serveConfig) bool(name string) bool { b, _ := strconv.ParseBool(c[name]); return b }
func (c serveConfig) int(name string) int   { n, _ := strconv.Atoi(c[name]); return n }
func (c serveConfig) duration(name string) time.Duration {
	d, _ := time.ParseDuration(c[name])
	return d
}

// envKeysOutsideConfig are HALCYTONE_ variables read elsewhere: the
// config file, and the client-side key the README tour exports.
var envKeysOutsideConfig = []string{"HALCYTONE_CONFIG", "HALCYTONE_KEY"}

// loadServeConfig resolves the settings from args, the environment and the
// config file named by --config or HALCYTONE_CONFIG. An unknown key or an
// invalid value is an error naming it.
func loadServeConfig(args []string, env func(string) string, environ []string) (serveConfig, error) {
	settings := serveSettings()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	flagVals := map[string]*string{}
	for _, s := range settings {
		if s.boolean {
			v := new(string)
			fs.Var(boolFlag{v}, s.name, s.usage+" (env "+s.env()+")")
			flagVals[s.name] = v
			continue
		}
		flagVals[s.name] = fs.String(s.name, "", s.usage+" (env "+s.env()+")")
	}
	configPath := fs.String("config", "", "JSON config file whose keys are the flag names (env HALCYTONE_CONFIG)")
	if err := fs.Parse(args); err != nil {
		return nil, fmt.Errorf("%w: %v\n\n%s", errUsage, err, serveUsage(settings))
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	known := map[string]bool{}
	for _, s := range settings {
		known[s.env()] = true
	}
	for _, k := range envKeysOutsideConfig {
		known[k] = true
	}
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "HALCYTONE_") && !known[k] && !strings.HasPrefix(k, "HALCYTONE_TEST_") {
			return nil, fmt.Errorf("unknown environment variable %s (see halcytone serve -h)", k)
		}
	}

	file := map[string]string{}
	if *configPath == "" {
		*configPath = env("HALCYTONE_CONFIG")
	}
	if *configPath != "" {
		raw, err := os.ReadFile(*configPath)
		if err != nil {
			return nil, fmt.Errorf("config file: %w", err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("config file %s: %w", *configPath, err)
		}
		spelled := map[string]string{}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			v := m[k]
			name := strings.ReplaceAll(k, "_", "-")
			if _, ok := flagVals[name]; !ok {
				return nil, fmt.Errorf("config file %s: unknown key %q", *configPath, k)
			}
			if other, ok := spelled[name]; ok {
				return nil, fmt.Errorf("config file %s: keys %q and %q are the same setting: keep one", *configPath, other, k)
			}
			spelled[name] = k
			switch x := v.(type) {
			case string:
				file[name] = x
			case bool:
				file[name] = strconv.FormatBool(x)
			case float64:
				file[name] = strconv.FormatFloat(x, 'f', -1, 64)
			default:
				return nil, fmt.Errorf("config file %s: key %q: want a string, number or boolean", *configPath, k)
			}
		}
	}

	cfg := serveConfig{}
	for _, s := range settings {
		v, from := s.def, "default"
		if fv, ok := file[s.name]; ok {
			v, from = fv, "config file key "+strconv.Quote(s.name)
		}
		if ev := env(s.env()); ev != "" {
			v, from = ev, s.env()
		}
		if set[s.name] {
			v, from = *flagVals[s.name], "--"+s.name
		}
		// An empty value is checked too when the setting has a default:
		// --workers= is a mistake, not a request for the default. (An
		// empty environment variable counts as unset.)
		if s.check != nil && (v != "" || s.def != "") {
			if err := s.check(v); err != nil {
				return nil, fmt.Errorf("%s: invalid value %q: %v", from, shown(s, v), err)
			}
		}
		cfg[s.name] = v
	}
	return cfg, nil
}

// boolFlag is the flag of a boolean setting: given bare (--dry-run) it
// means true, as the flag package's own bool flags do; --dry-run=false
// works too. It keeps the text, which loadServeConfig checks.
type boolFlag struct{ v *string }

func (b boolFlag) String() string {
	if b.v == nil {
		return ""
	}
	return *b.v
}

func (b boolFlag) Set(s string) error { *b.v = s; return nil }

// IsBoolFlag tells the flag package that the flag may be given bare.
func (b boolFlag) IsBoolFlag() bool { return true }

func shown(s setting, v string) string {
	if s.secret {
		return "<redacted>"
	}
	return v
}

func serveUsage(settings []setting) string {
	var b strings.Builder
	b.WriteString("Usage: halcytone serve [flags]\n\nEvery flag can also be set as an environment variable or a config file key:\n\n")
	for _, s := range settings {
		def := ""
		if s.def != "" {
			def = " (default " + s.def + ")"
		}
		fmt.Fprintf(&b, "  --%-22s %s%s\n  %-24s %s\n", s.name, s.usage, def, "", s.env())
	}
	return b.String()
}

// credentialRules are the settings that mean nothing without another:
// "a needs b" when a is set and b is not. A credential set without its
// partner would otherwise leave its channel in dry run, or half
// configured, without a word.
var credentialRules = [][2]string{
	{"crm-api-key", "crm-url"},
	{"smtp-username", "smtp-host"}, {"smtp-password", "smtp-host"}, {"smtp-from", "smtp-host"}, {"smtp-recipients", "smtp-host"},
	{"smtp-username", "smtp-password"}, {"smtp-password", "smtp-username"},
	{"platform-token", "platform-url"},
	{"cdn-url", "platform-url"}, {"cdn-url", "cdn-zone"}, {"cdn-url", "cdn-token"},
	{"cdn-zone", "cdn-url"}, {"cdn-token", "cdn-url"},
	{"linkedin-author", "linkedin-token"},
	{"facebook-page-id", "graph-token"}, {"instagram-user-id", "graph-token"},
	{"google-docs-url", "google-credentials"},
	{"notion-url", "notion-token"},
}

// checkCredentials refuses a credential set without the settings it
// needs (credentialRules), and a Graph token for neither a Facebook page
// nor an Instagram user, naming the missing key.
func checkCredentials(cfg serveConfig) error {
	for _, r := range credentialRules {
		if cfg[r[0]] != "" && cfg[r[1]] == "" {
			return fmt.Errorf("%s: required with %s", r[1], r[0])
		}
	}
	if cfg["graph-token"] != "" && cfg["facebook-page-id"] == "" && cfg["instagram-user-id"] == "" {
		return errors.New("facebook-page-id or instagram-user-id: required with graph-token")
	}
	return nil
}
