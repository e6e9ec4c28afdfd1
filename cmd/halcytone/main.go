// Command halcytone is the reference command of the Halcytone library: it
// turns living documents into channel content.
//
// Usage:
//
//	halcytone serve [flags]                       the HTTP/WebSocket API
//	halcytone generate [flags] <source reference> one document to stdout
//	halcytone generate --out DIR <folder>         a batch, written to files
//	halcytone mock                                fake services for demos
//	halcytone keys create|list|revoke             API keys
//	halcytone migrate                             apply database migrations
//
// Run "halcytone help" or "halcytone <command> -h" for details.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

func main() {
	// Nothing reads a heap profile (there is no pprof endpoint), and
	// sampling one costs memory: its bucket table grows to ~1.4 MB.
	runtime.MemProfileRate = 0
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand of halcytone.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP/WebSocket API (SQLite and dry run by default)", runServe},
		{"generate", generateSummary, runGenerate},
		{"mock", "run fake CRM, platform, CDN, X, LinkedIn, Graph and Notion services for demos", runMock},
		{"keys", "create, list and revoke API keys", runKeys},
		{"migrate", "apply pending database migrations and exit", runMigrate},
		{"bench", "load-test a server on this machine: seed jobs, run a scenario, read its RSS", runBench},
	}
}

const usage = `halcytone turns living documents into channel content.

Usage:
  halcytone <command> [flags] [arguments]

Commands:
%s
Run "halcytone --help" for the manual, "halcytone <command> -h" for a command's.
`

// errUsage marks errors caused by a bad command line (exit status 2).
var errUsage = errors.New("usage")

// run executes the command line args and returns the process exit status.
func run(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) int {
	printUsage := func(w io.Writer) {
		list := ""
		for _, c := range commands() {
			list += fmt.Sprintf("  %-10s %s\n", c.name, c.summary)
		}
		fmt.Fprintf(w, usage, list)
	}
	if len(args) == 0 {
		printUsage(stderr)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if err := runHelp(ctx, args[1:], env, stdout); err != nil {
			fmt.Fprintf(stderr, "halcytone help: %v\n", err)
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		if wantsHelp(c.name, args[1:]) {
			fmt.Fprint(stdout, commandHelp(ctx, c, env))
			return 0
		}
		err := c.run(ctx, args[1:], env, stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "halcytone %s: %v\n", c.name, err)
			return 2
		default:
			fmt.Fprintf(stderr, "halcytone %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "halcytone: unknown command %q\n\n", args[0])
	printUsage(stderr)
	return 2
}
