package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/halcytone/halcytone/cmd/halcytone/internal/server"
	"github.com/halcytone/halcytone/store"
	"github.com/halcytone/halcytone/store/postgres"
	"github.com/halcytone/halcytone/store/sqlite"
)

// openStore opens the store a database URL names: PostgreSQL for
// postgres:// URLs, SQLite otherwise. Opening applies pending migrations.
func openStore(ctx context.Context, dbURL string) (store.Store, func() error, error) {
	if strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://") {
		pg, err := postgres.Open(ctx, dbURL)
		if err != nil {
			return nil, nil, err
		}
		return pg, func() error { pg.Close(); return nil }, nil
	}
	lite, err := sqlite.OpenURL(ctx, dbURL)
	if err != nil {
		return nil, nil, err
	}
	return lite, lite.Close, nil
}

// dbFlag adds --database-url, defaulting to HALCYTONE_DATABASE_URL or the
// embedded SQLite file (bench seed).
func dbFlag(fs *flag.FlagSet, env func(string) string) *string {
	return fs.String("database-url", envOr(env, "HALCYTONE_DATABASE_URL", "sqlite:halcytone.db"), "database (env HALCYTONE_DATABASE_URL)")
}

// serveDB is the database flags of keys and migrate: the database serve
// uses, read the same way (--database-url, else HALCYTONE_DATABASE_URL,
// else the config file of --config or HALCYTONE_CONFIG, else the default).
type serveDB struct {
	url, config *string
}

func serveDBFlags(fs *flag.FlagSet) serveDB {
	return serveDB{
		url:    fs.String("database-url", "", "database (default: serve's, from HALCYTONE_DATABASE_URL, the config file or sqlite:halcytone.db)"),
		config: fs.String("config", "", "serve's JSON config file, for its database_url (env HALCYTONE_CONFIG)"),
	}
}

// resolve returns the database URL, after fs is parsed.
func (d serveDB) resolve(fs *flag.FlagSet, env func(string) string) (string, error) {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "database-url" })
	if set {
		if err := nonEmpty(*d.url); err != nil {
			return "", fmt.Errorf("%w: --database-url: %v", errUsage, err)
		}
		return *d.url, nil
	}
	var args []string
	if *d.config != "" {
		args = []string{"--config", *d.config}
	}
	cfg, err := loadServeConfig(args, env, os.Environ())
	if err != nil {
		return "", err
	}
	return cfg["database-url"], nil
}

const keysUsage = `Usage:
  halcytone keys create --name NAME [--scopes read+write] [--rate-limit N]
  halcytone keys list
  halcytone keys revoke ID

Every subcommand takes --database-url; without it, the database serve uses: HALCYTONE_DATABASE_URL,
else database_url in the config file of --config or HALCYTONE_CONFIG, else sqlite:halcytone.db.
Scopes: read, write, approve, admin (joined by + or ,). The rate limit is per minute; 0 is unlimited.
`

// runKeys is the keys command: API key management on the database.
func runKeys(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return fmt.Errorf("%w: keys needs a subcommand", errUsage)
	}
	fs := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := serveDBFlags(fs)
	name := fs.String("name", "", "key name (create)")
	scopes := fs.String("scopes", "read", "scopes joined by + (create)")
	limit := fs.Int("rate-limit", server.DefaultKeyLimit, "requests per minute, 0 unlimited (create)")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	// Misuse is refused before the database is opened (and created).
	switch args[0] {
	case "create":
		if *name == "" {
			return fmt.Errorf("%w: keys create needs --name", errUsage)
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("%w: keys create takes no arguments, got %q", errUsage, fs.Args())
		}
	case "list":
		if fs.NArg() > 0 {
			return fmt.Errorf("%w: keys list takes no arguments, got %q", errUsage, fs.Args())
		}
	case "revoke":
		if fs.NArg() != 1 {
			return fmt.Errorf("%w: keys revoke needs one key ID", errUsage)
		}
	default:
		fmt.Fprint(stderr, keysUsage)
		return fmt.Errorf("%w: unknown keys subcommand %q", errUsage, args[0])
	}
	dbURL, err := db.resolve(fs, env)
	if err != nil {
		return err
	}
	st, closeStore, err := openStore(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("database-url: %w", err)
	}
	defer func() { _ = closeStore() }()
	keys := server.NewKeys(st, nil)
	switch args[0] {
	case "create":
		plain, k, err := keys.Create(ctx, *name, strings.FieldsFunc(*scopes, func(r rune) bool { return r == '+' || r == ',' }), *limit)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Created key %s (%s, scopes %s). It is shown only this once:\n\n  %s\n", k.ID, k.Name, strings.Join(k.Scopes, "+"), plain)
	case "list":
		ks, err := st.ListAPIKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tSCOPES\tLIMIT/MIN\tREVOKED\tCREATED")
		for _, k := range ks {
			fmt.Fprintf(tw, "%s\t%s\t%s…\t%s\t%d\t%v\t%s\n", k.ID, k.Name, k.Prefix, strings.Join(k.Scopes, "+"), k.RateLimit, k.Revoked, k.CreatedAt.Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	case "revoke":
		if err := keys.Revoke(ctx, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Revoked %s.\n", fs.Arg(0))
	}
	return nil
}

// runMigrate is the migrate command: it applies the store's pending
// migrations (and River's, through the queue) and exits.
func runMigrate(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := serveDBFlags(fs)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: migrate takes no arguments, got %q", errUsage, fs.Args())
	}
	dbURL, err := db.resolve(fs, env)
	if err != nil {
		return err
	}
	cfg := serveConfig{}
	for _, s := range serveSettings() {
		cfg[s.name] = s.def
	}
	cfg["database-url"] = dbURL
	a, err := newApp(ctx, cfg, io.Discard)
	if err != nil {
		return err
	}
	a.close()
	fmt.Fprintf(stdout, "Migrated %s: store and queue schemas are current.\n", redactURL(dbURL))
	return nil
}
