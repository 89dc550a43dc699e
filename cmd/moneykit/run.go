package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// Exit codes, documented in the package comment and in --help.
const (
	exitOK       = 0
	exitAPI      = 1
	exitUsage    = 2
	exitNetwork  = 3
	exitInternal = 4
)

const usage = `moneykit updates and deletes MoneyKit links.

Usage:
  moneykit update <link-id> [flags]   change a link's webhook and tags
  moneykit delete <link-id> [flags]   delete a link and disable its access token
  moneykit bulk update|delete --ids FILE|- [flags]
                                      the same for many links, at the rate limit, resumable
  moneykit demo                       walk through every operation on the embedded fake API
  moneykit serve [flags]              run the fake MoneyKit API as a local server, for any language
  moneykit spec-check <link-id>       check that the live API still answers as openapi.yaml says
  moneykit version                    print the version
  moneykit help [command]             show help

Credentials (never pass the token on the command line: it lands in shell history):
  MONEYKIT_ACCESS_TOKEN   access token, or --token-file FILE
  MONEYKIT_BASE_URL       API base URL (default https://api.moneykit.com)
With neither set, moneykit starts the embedded fake MoneyKit API and uses it: no account,
no network. Say so on stderr.

Exit codes: 0 success, 1 API error, 2 usage error, 3 network error, 4 internal error.
Run 'moneykit <command> --help' for a command's flags.
`

// run is the whole program, so tests drive it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "bulk":
		return runBulk(ctx, rest, getenv, stdout, stderr)
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "spec-check":
		return runSpecCheck(ctx, rest, getenv, stdout, stderr)
	case "update", "delete", "demo":
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "moneykit %s (%s, %s/%s)\n", wrapper.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return exitOK
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && rest[0] != "help" {
			return run(ctx, []string{rest[0], "--help"}, getenv, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "moneykit: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
	o := &opts{}
	fs := o.flags(cmd, stderr)
	pos, err := parseInterspersed(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(cmd, fs, stdout)
		return exitOK
	}
	if err != nil { // the flag package has printed what is wrong
		fmt.Fprintf(stderr, "Run 'moneykit %s --help' for usage.\n", cmd)
		return exitUsage
	}
	if code := o.check(cmd, pos, stderr); code != exitOK {
		return code
	}
	if cmd == "demo" {
		return demo(ctx, o, stdout, stderr)
	}
	c, cleanup, code := o.client(getenv, stderr)
	if code != exitOK {
		return code
	}
	defer cleanup()
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	out := &printer{stdout: stdout, stderr: stderr, json: o.json}
	if cmd == "delete" {
		return out.result(c.DeleteLink(ctx, pos[0]), func() error { return out.deleted(pos[0]) })
	}
	link, err := c.UpdateLink(ctx, pos[0], o.params())
	return out.result(err, func() error { return out.link(link) })
}

// opts are the flags of all commands.
type opts struct {
	webhook       string
	removeWebhook bool
	tags          string
	tagsSet       bool
	clearTags     bool
	json          bool
	verbose       bool
	tokenFlag     string
	tokenFile     string
	baseURL       string
	timeout       time.Duration
}

func (o *opts) flags(cmd string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("moneykit "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	switch cmd {
	case "update":
		fs.StringVar(&o.webhook, "webhook", "", "set the webhook to this absolute http(s) `URL`")
		fs.BoolVar(&o.removeWebhook, "remove-webhook", false, "remove the webhook")
		fs.Func("tags", "replace the link tags with this comma-separated `list`", func(v string) error {
			o.tags, o.tagsSet = v, true
			return nil
		})
		fs.BoolVar(&o.clearTags, "clear-tags", false, "remove all link tags")
	}
	if cmd != "demo" {
		fs.BoolVar(&o.json, "json", false, "print machine-readable JSON on stdout")
		fs.StringVar(&o.tokenFile, "token-file", "", "read the access token from `FILE` (default: $MONEYKIT_ACCESS_TOKEN)")
		fs.StringVar(&o.tokenFlag, "token", "", "access `token` (discouraged: it lands in shell history; use the environment or --token-file)")
		fs.StringVar(&o.baseURL, "base-url", "", "API base `URL` (default: $MONEYKIT_BASE_URL, else https://api.moneykit.com)")
		fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "give up after this long")
	}
	fs.BoolVar(&o.verbose, "v", cmd == "demo", "print each HTTP request and response on stderr (token redacted)")
	fs.Usage = func() {} // parse errors print only the error; --help is printed by run, on stdout
	return fs
}

// printUsage prints a command's help.
func printUsage(cmd string, fs *flag.FlagSet, w io.Writer) {
	switch cmd {
	case "update":
		fmt.Fprint(w, "Usage: moneykit update <link-id> [--webhook URL | --remove-webhook] [--tags a,b | --clear-tags] [flags]\n\nChanges a link's webhook and tags; what you do not name stays as it is.\n\nFlags:\n")
	case "delete":
		fmt.Fprint(w, "Usage: moneykit delete <link-id> [flags]\n\nDeletes a link and disables its access token. A deleted link answers 410 for 90 days.\n\nFlags:\n")
	case "demo":
		fmt.Fprint(w, "Usage: moneykit demo\n\nStarts the embedded fake MoneyKit API and walks through set webhook, remove webhook,\nset tags, clear tags, delete, and a second delete (410), printing each exchange.\n\nFlags:\n")
	}
	printFlags(fs, w)
}

// printFlags lists flags GNU-style (--name), as the help and README write them.
func printFlags(fs *flag.FlagSet, w io.Writer) {
	fs.VisitAll(func(f *flag.Flag) {
		name, use := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		if f.DefValue != "" && f.DefValue != "false" {
			use += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "%-28s %s\n", line, use)
	})
}

// parseInterspersed lets flags come after the link id, as in 'update mk_1 --webhook URL'.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func (o *opts) check(cmd string, pos []string, stderr io.Writer) int {
	want := 1
	if cmd == "demo" {
		want = 0
	}
	msg := ""
	switch {
	case len(pos) < want:
		msg = "missing <link-id>"
	case len(pos) > want:
		msg = fmt.Sprintf("unexpected argument %q", pos[want])
	default:
		msg = o.conflicts(cmd)
	}
	if msg != "" {
		fmt.Fprintf(stderr, "moneykit %s: %s\nRun 'moneykit %s --help' for usage.\n", cmd, msg, cmd)
		return exitUsage
	}
	return exitOK
}

// conflicts names what is wrong with the flags of an update or delete, if anything.
func (o *opts) conflicts(cmd string) string {
	switch {
	case o.webhook != "" && o.removeWebhook:
		return "--webhook and --remove-webhook contradict each other"
	case o.tagsSet && o.clearTags:
		return "--tags and --clear-tags contradict each other"
	case cmd == "update" && o.webhook == "" && !o.removeWebhook && !o.tagsSet && !o.clearTags:
		return "nothing to change: give --webhook, --remove-webhook, --tags or --clear-tags"
	case o.timeout < 0:
		return "--timeout must not be negative"
	}
	return ""
}

func (o *opts) params() wrapper.UpdateParams {
	var p wrapper.UpdateParams
	switch {
	case o.webhook != "":
		p.Webhook = wrapper.SetWebhook(o.webhook)
	case o.removeWebhook:
		p.Webhook = wrapper.RemoveWebhook()
	}
	switch {
	case o.clearTags:
		p.LinkTags = wrapper.ClearLinkTags()
	case o.tagsSet:
		var tags []string
		for _, t := range strings.Split(o.tags, ",") {
			if t = strings.TrimSpace(t); t != "" {
				tags = append(tags, t)
			}
		}
		p.LinkTags = wrapper.SetLinkTags(tags...)
	}
	return p
}

// client builds the API client from flags and environment, or starts the embedded fake
// when neither a token nor a base URL is set.
func (o *opts) client(getenv func(string) string, stderr io.Writer) (*wrapper.Client, func(), int) {
	token := getenv("MONEYKIT_ACCESS_TOKEN")
	if o.tokenFlag != "" {
		fmt.Fprintln(stderr, "moneykit: warning: --token puts the token in your shell history and process list; prefer MONEYKIT_ACCESS_TOKEN or --token-file")
		token = o.tokenFlag
	}
	if o.tokenFile != "" {
		b, err := os.ReadFile(o.tokenFile)
		if err != nil {
			fmt.Fprintf(stderr, "moneykit: --token-file: %v\n", err)
			return nil, nil, exitUsage
		}
		token = strings.TrimSpace(string(b))
	}
	base := o.baseURL
	if base == "" {
		base = getenv("MONEYKIT_BASE_URL")
	}
	cleanup := func() {}
	if token == "" && base == "" {
		srv, err := moneykittest.NewServer()
		if err != nil {
			fmt.Fprintf(stderr, "moneykit: starting the embedded fake API: %v\n", err)
			return nil, nil, exitInternal
		}
		fmt.Fprintf(stderr, "moneykit: no MONEYKIT_ACCESS_TOKEN or MONEYKIT_BASE_URL set: using the embedded fake MoneyKit API at %s (no account needed)\n", srv.URL)
		token, base, cleanup = srv.Token(), srv.URL, srv.Close
	}
	if token == "" {
		fmt.Fprintln(stderr, "moneykit: no access token: set MONEYKIT_ACCESS_TOKEN or use --token-file")
		return nil, nil, exitUsage
	}
	wopts := []wrapper.Option{wrapper.WithUserAgent("moneykit-cli/" + wrapper.Version + " " + wrapper.DefaultUserAgent)}
	if base != "" {
		wopts = append(wopts, wrapper.WithBaseURL(base))
	}
	if o.verbose {
		wopts = append(wopts, wrapper.WithHTTPClient(&http.Client{Transport: &wireLogger{base: http.DefaultTransport, w: stderr, secret: token}}))
	}
	c, err := wrapper.New(token, wopts...)
	if err != nil {
		cleanup()
		fmt.Fprintln(stderr, err) // wrapper errors never contain the token
		return nil, nil, exitUsage
	}
	return c, cleanup, exitOK
}
