package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

Credentials (never put a secret on the command line: it lands in shell history):
  MONEYKIT_ACCESS_TOKEN   an access token, or --token-file FILE
  MONEYKIT_CLIENT_ID      client credentials instead, or --client-id ID and
  MONEYKIT_CLIENT_SECRET  --client-secret-file FILE: moneykit fetches access tokens
                          and gets new ones as they expire
  MONEYKIT_BASE_URL       API base URL (default https://api.moneykit.com)
Give an access token or client credentials, not both. Without credentials, update, delete
and bulk refuse to run (exit 2). To try them with no account, add --fake (or set
MONEYKIT_BASE_URL=fake): they then run on the embedded fake MoneyKit API, say so on stderr,
and change nothing real.

Exit codes: 0 success, 1 API error, 2 usage error, 3 network error, 4 internal error.
With --json, results go to stdout as JSON, and so does every failure, as one
{"error": {...}} object (see the README).
Run 'moneykit <command> --help' for a command's flags.
`

// run is the whole program, so tests drive it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	// Before the flags are parsed (or when they fail to parse), --json is looked for by hand.
	early := &printer{stdout: stdout, stderr: stderr, json: wantsJSON(rest)}
	switch cmd {
	case "bulk":
		return runBulk(ctx, rest, getenv, stdout, stderr)
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "spec-check":
		return runSpecCheck(ctx, rest, getenv, stdout, stderr)
	case "update", "delete", "demo", "version":
	case "--version", "-version":
		cmd = "version"
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && isFlag(rest[0]) && !isHelpFlag(rest[0]) {
			return early.fail(usageFailure("", "help takes a command name, not the flag %s: run 'moneykit help <command>' (help is text only)", flagName(rest[0])))
		}
		if len(rest) > 0 && !isHelpFlag(rest[0]) && rest[0] != "help" {
			return run(ctx, []string{rest[0], "--help"}, getenv, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		if isFlag(cmd) {
			// A flag before the command (moneykit --json delete mk_1): the flags are the
			// command's, so they go after it. --json here still gets its JSON error.
			early.json = wantsJSON(args)
			return early.fail(usageFailure("", "the flag %s comes before the command: flags go after it, as in 'moneykit delete <link-id> %s'", flagName(cmd), flagName(cmd)))
		}
		return early.fail(usageFailure("", "unknown command %q", cmd))
	}
	o := &opts{}
	pos, code, ok := parseFlags(cmd, o.flags(cmd), rest, commandUsage(cmd), stdout, stderr)
	if !ok {
		return code
	}
	out := o.printer(stdout, stderr)
	if f := o.check(cmd, pos); f != nil {
		return out.fail(f)
	}
	switch cmd {
	case "version":
		return version(out)
	case "demo":
		return demo(ctx, o, stdout, stderr)
	}
	c, cleanup, code := o.client(getenv, stdout, stderr)
	if code != exitOK {
		return code
	}
	defer cleanup()
	out = o.printer(stdout, stderr) // now it knows the token endpoint's refusals
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	if cmd == "delete" {
		return out.result(cmd, c.DeleteLink(ctx, pos[0]), func() error { return out.deleted(pos[0]) })
	}
	link, err := c.UpdateLink(ctx, pos[0], o.params())
	return out.result(cmd, err, func() error { return out.link("Updated link", link) })
}

func version(out *printer) int {
	var err error
	if out.json {
		err = out.writeJSON(map[string]string{"version": wrapper.Version, "go": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH})
	} else {
		_, err = fmt.Fprintf(out.stdout, "moneykit %s (%s, %s/%s)\n", wrapper.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	if err != nil {
		return out.fail(internalFailure(fmt.Errorf("writing output: %w", err)))
	}
	return exitOK
}

// isFlag reports whether arg is a flag (-x, --x), not a name or "-" for stdin.
func isFlag(arg string) bool { return len(arg) > 1 && arg[0] == '-' }

func isHelpFlag(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}

// flagName is a flag without its value (--token=SECRET is --token): errors quote only it.
func flagName(arg string) string {
	name, _, _ := strings.Cut(arg, "=")
	return name
}

// wantsJSON reports whether args ask for --json, for errors found before the flags parse.
func wantsJSON(args []string) bool {
	for _, a := range args {
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "json" {
			continue
		}
		if b, err := strconv.ParseBool(val); !hasVal || (err == nil && b) {
			return true
		}
	}
	return false
}

// opts are the flags of all commands, and what the client was made with.
type opts struct {
	cmd              string // "update", "bulk delete", ...: names the command in errors
	webhook          string
	webhookSet       bool
	removeWebhook    bool
	tags             string
	tagsSet          bool
	clearTags        bool
	json             bool
	verbose          bool
	fake             bool
	tokenFlag        string
	tokenFile        string
	clientID         string
	clientSecretFile string
	baseURL          string
	timeout          time.Duration
	clientCreds      bool              // set by connect when it uses client credentials
	red              *redactor         // set by connect: the credentials, to keep out of all output
	target           string            // set by connect: the client's base URL, or targetFake
	transport        http.RoundTripper // under the client's own layers (nil: http.DefaultTransport); spec-check's capture
}

// flags defines the flags of a command: "update", "delete", "demo", "version", or a bulk
// one ("bulk update", "bulk delete").
func (o *opts) flags(name string) *flag.FlagSet {
	o.cmd = name
	fs := flag.NewFlagSet("moneykit "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // run prints a parse error itself, naming the command
	fs.Usage = func() {}     // and --help, on stdout
	cmd := strings.TrimPrefix(name, "bulk ")
	if cmd == "update" {
		fs.Func("webhook", "set the webhook to this absolute http(s) `URL`", func(v string) error {
			o.webhook, o.webhookSet = v, true
			return nil
		})
		fs.BoolVar(&o.removeWebhook, "remove-webhook", false, "remove the webhook")
		fs.Func("tags", "replace the link tags with this comma-separated `list`", func(v string) error {
			o.tags, o.tagsSet = v, true
			return nil
		})
		fs.BoolVar(&o.clearTags, "clear-tags", false, "remove all link tags")
	}
	if cmd != "demo" {
		fs.BoolVar(&o.json, "json", false, "print machine-readable JSON on stdout, failures included")
	}
	if cmd == "update" || cmd == "delete" {
		fs.BoolVar(&o.fake, "fake", false, "run on the embedded fake MoneyKit API: no account, nothing real changes (also MONEYKIT_BASE_URL=fake)")
		o.connectionFlags(fs)
	}
	switch cmd {
	case "demo": // the exchanges are part of the walk-through, so on stdout and on by default
		fs.BoolVar(&o.verbose, "v", true, "print each HTTP request and response between the steps, on stdout (tokens redacted); -v=false leaves them out")
	case "version":
	default:
		fs.BoolVar(&o.verbose, "v", false, "print each HTTP request and response on stderr (credentials and tokens redacted)")
	}
	return fs
}

// connectionFlags are the flags of every command that talks to the API: credentials,
// base URL and the per-request timeout.
func (o *opts) connectionFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.tokenFile, "token-file", "", "read the access token from `FILE` (default: $MONEYKIT_ACCESS_TOKEN)")
	fs.StringVar(&o.tokenFlag, "token", "", "access `token` (discouraged: it lands in shell history; use the environment or --token-file)")
	fs.StringVar(&o.clientID, "client-id", "", "client `ID` for client credentials (default: $MONEYKIT_CLIENT_ID)")
	fs.StringVar(&o.clientSecretFile, "client-secret-file", "", "read the client secret from `FILE` (default: $MONEYKIT_CLIENT_SECRET)")
	fs.StringVar(&o.baseURL, "base-url", "", "API base `URL` (default: $MONEYKIT_BASE_URL, else https://api.moneykit.com)")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "give up after this long (must be positive)")
}

// commandUsage is the help of update, delete, demo and version, before their flags.
func commandUsage(cmd string) string {
	switch cmd {
	case "update":
		return "Usage: moneykit update <link-id> [--webhook URL | --remove-webhook] [--tags a,b | --clear-tags] [flags]\n\nChanges a link's webhook and tags; what you do not name stays as it is.\n\nFlags:\n"
	case "delete":
		return "Usage: moneykit delete <link-id> [flags]\n\nDeletes a link and disables its access token. A deleted link answers 410 for 90 days.\n\nFlags:\n"
	case "demo":
		return "Usage: moneykit demo\n\nStarts the embedded fake MoneyKit API and walks through set webhook, remove webhook,\nset tags, clear tags, delete, and a second delete (410), printing each exchange.\n\nFlags:\n"
	case "version":
		return "Usage: moneykit version [--json]\n\nPrints the version of moneykit, and of Go it was built with.\n\nFlags:\n"
	}
	return ""
}

// parseFlags parses the flags of cmd (named so in errors), which may come after its
// arguments, and returns the arguments. When ok is false the command is over, with exit
// code code: it was asked for --help and printed usage and the flags on stdout, or a flag
// was bad and it printed the usage error (as JSON if args ask for --json).
func parseFlags(cmd string, fs *flag.FlagSet, args []string, usage string, stdout, stderr io.Writer) (pos []string, code int, ok bool) {
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		printFlags(fs, stdout)
		return nil, exitOK, false
	}
	if err != nil {
		early := &printer{stdout: stdout, stderr: stderr, json: wantsJSON(args)}
		return nil, early.fail(usageFailure(cmd, "%v", err)), false
	}
	return pos, exitOK, true
}

// printFlags lists flags GNU-style (--name, and -v for a one-letter name), as the help and
// README write them.
func printFlags(fs *flag.FlagSet, w io.Writer) {
	fs.VisitAll(func(f *flag.Flag) {
		name, use := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if len(f.Name) == 1 {
			line = "  -" + f.Name
		}
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

// check names what is wrong with a command's arguments and flags, if anything.
func (o *opts) check(cmd string, pos []string) *failure {
	want := 1
	if cmd == "demo" || cmd == "version" {
		want = 0
	}
	switch {
	case len(pos) < want:
		return usageFailure(cmd, "missing <link-id>")
	case len(pos) > want:
		return usageFailure(cmd, "unexpected argument %q", pos[want])
	case o.conflicts(cmd) != "":
		return usageFailure(cmd, "%s", o.conflicts(cmd))
	}
	return nil
}

// maxTagChars: MoneyKit's docs ask that each tag be under 100 characters (in prose, not in
// the published schema, so neither the spec nor the wrapper checks it).
const maxTagChars = 99

// conflicts names what is wrong with the flags of an update or delete, if anything.
func (o *opts) conflicts(cmd string) string {
	switch {
	case o.webhookSet && o.webhook == "":
		return "--webhook needs a URL; to remove the webhook, use --remove-webhook"
	case o.tagsSet && len(splitTags(o.tags)) == 0:
		return "--tags needs at least one tag; to remove all tags, use --clear-tags"
	case o.webhookSet && o.removeWebhook:
		return "--webhook and --remove-webhook contradict each other"
	case o.tagsSet && o.clearTags:
		return "--tags and --clear-tags contradict each other"
	case cmd == "update" && !o.webhookSet && !o.removeWebhook && !o.tagsSet && !o.clearTags:
		return "nothing to change: give --webhook, --remove-webhook, --tags or --clear-tags"
	case o.timeout <= 0 && o.cmd != "demo" && o.cmd != "version":
		return "--timeout must be positive (there is no \"no timeout\": give a long one, such as 1h)"
	}
	for i, t := range splitTags(o.tags) {
		if !utf8.ValidString(t) {
			return fmt.Sprintf("--tags: tag %d is not valid UTF-8", i+1)
		}
		if n := utf8.RuneCountInString(t); n > maxTagChars {
			return fmt.Sprintf("--tags: tag %d is %d characters long; MoneyKit takes tags under %d characters", i+1, n, maxTagChars+1)
		}
	}
	return ""
}

// splitTags reads a --tags list: comma-separated, spaces around each tag dropped.
func splitTags(list string) []string {
	var tags []string
	for _, t := range strings.Split(list, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}

func (o *opts) params() wrapper.UpdateParams {
	var p wrapper.UpdateParams
	switch {
	case o.webhookSet:
		p.Webhook = wrapper.SetWebhook(o.webhook)
	case o.removeWebhook:
		p.Webhook = wrapper.RemoveWebhook()
	}
	switch {
	case o.clearTags:
		p.LinkTags = wrapper.ClearLinkTags()
	case o.tagsSet:
		p.LinkTags = wrapper.SetLinkTags(splitTags(o.tags)...)
	}
	return p
}
