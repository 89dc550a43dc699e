package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// client builds the API client from flags and environment, for any command that talks to
// the API. On failure it prints the error (with --json, also on stdout) and returns the
// exit code; nothing has been sent then. Call cleanup when done.
//
// It never falls back to the embedded fake: that runs only when asked for, with --fake or
// MONEYKIT_BASE_URL=fake. A forgotten token must not look like a change made.
func (o *opts) client(getenv func(string) string, stdout, stderr io.Writer) (*wrapper.Client, func(), int) {
	c, cleanup, f := o.connect(getenv, stderr)
	if f != nil {
		return nil, nil, o.printer(stdout, stderr).fail(f)
	}
	return c, cleanup, exitOK
}

// printer prints for this command: JSON with --json, and token refusals as API errors.
func (o *opts) printer(stdout, stderr io.Writer) *printer {
	return &printer{stdout: stdout, stderr: stderr, json: o.json, clientCreds: o.clientCreds, red: o.red}
}

// connect is client without the printing. Credentials come from, in this order of
// precedence within each kind: an access token from --token-file, --token or
// MONEYKIT_ACCESS_TOKEN; client credentials from --client-id or MONEYKIT_CLIENT_ID and
// --client-secret-file or MONEYKIT_CLIENT_SECRET. Both kinds at once is a usage error: which
// identity acts on a real link must not be a guess.
func (o *opts) connect(getenv func(string) string, stderr io.Writer) (*wrapper.Client, func(), *failure) {
	fail := func(format string, args ...any) (*wrapper.Client, func(), *failure) {
		return nil, nil, usageFailure(o.cmd, format, args...)
	}
	base := o.baseURL
	if base == "" {
		base = getenv("MONEYKIT_BASE_URL")
	}
	if o.fake || base == "fake" {
		if o.baseURL != "" && o.baseURL != "fake" {
			return fail("the embedded fake (--fake or MONEYKIT_BASE_URL=fake) contradicts --base-url: give one")
		}
		if flags := o.credentialFlags(); len(flags) > 0 {
			return fail("the embedded fake (--fake or MONEYKIT_BASE_URL=fake) has its own credentials: drop %s", strings.Join(flags, " and "))
		}
		return o.fakeClient(stderr)
	}

	token, tokenFrom := getenv("MONEYKIT_ACCESS_TOKEN"), "MONEYKIT_ACCESS_TOKEN"
	if o.tokenFlag != "" {
		fmt.Fprintln(stderr, "moneykit: warning: --token puts the token in your shell history and process list; prefer MONEYKIT_ACCESS_TOKEN or --token-file")
		token, tokenFrom = o.tokenFlag, "--token"
	}
	if o.tokenFile != "" {
		t, err := readSecretFile("--token-file", o.tokenFile)
		if err != nil {
			return fail("%v", err)
		}
		token, tokenFrom = t, "--token-file"
	}
	id, idFrom := getenv("MONEYKIT_CLIENT_ID"), "MONEYKIT_CLIENT_ID"
	if o.clientID != "" {
		id, idFrom = o.clientID, "--client-id"
	}
	secret, secretFrom := getenv("MONEYKIT_CLIENT_SECRET"), "MONEYKIT_CLIENT_SECRET"
	if o.clientSecretFile != "" {
		s, err := readSecretFile("--client-secret-file", o.clientSecretFile)
		if err != nil {
			return fail("%v", err)
		}
		secret, secretFrom = s, "--client-secret-file"
	}

	var ccFrom []string
	if id != "" {
		ccFrom = append(ccFrom, idFrom)
	}
	if secret != "" {
		ccFrom = append(ccFrom, secretFrom)
	}
	switch {
	case token != "" && len(ccFrom) > 0:
		return fail("both an access token (%s) and client credentials (%s) are set: give one", tokenFrom, strings.Join(ccFrom, ", "))
	case id != "" && secret == "":
		return fail("a client id (%s) but no client secret: set MONEYKIT_CLIENT_SECRET or use --client-secret-file FILE", idFrom)
	case secret != "" && id == "":
		return fail("a client secret (%s) but no client id: set MONEYKIT_CLIENT_ID or use --client-id ID", secretFrom)
	case token == "" && id == "":
		f := usageFailure(o.cmd, "no access token or client credentials: set MONEYKIT_ACCESS_TOKEN (or use --token-file FILE), "+
			"or MONEYKIT_CLIENT_ID and MONEYKIT_CLIENT_SECRET (or use --client-id ID and --client-secret-file FILE); nothing was sent")
		f.hint = noCredentialsHint(o.cmd)
		return nil, nil, f
	}

	red := &redactor{}
	rt := o.transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	if id != "" {
		red.add(secret)
		red.addBasic(id, secret)
		o.clientCreds = true
	} else {
		red.add(token)
	}
	c, err := o.newClient(base, rt, red, stderr, func(opts []wrapper.Option) (*wrapper.Client, error) {
		if id != "" {
			return wrapper.NewClientCredentials(id, secret, opts...)
		}
		return wrapper.New(token, opts...)
	})
	if err != nil {
		return fail("%s", trimPrefixes(err.Error())) // the wrapper's errors never repeat a credential
	}
	o.red, o.target = red, c.BaseURL()
	return c, func() {}, nil
}

// noCredentialsHint names a way to try cmd without an account that cmd accepts:
// spec-check has no --fake (it checks a real API, so it points at 'moneykit serve').
func noCredentialsHint(cmd string) string {
	if cmd == "spec-check" {
		return "To try spec-check without an account, run 'moneykit serve' and set the MONEYKIT_BASE_URL and MONEYKIT_ACCESS_TOKEN it prints."
	}
	return "To try moneykit without an account, add --fake (the embedded fake MoneyKit API: nothing real changes) or run 'moneykit demo'."
}

// testHookClientOptions are added to the options of every client newClient makes. The
// program leaves it empty; its tests shorten the retry backoff, which wrapper/ tests and
// which the CLI's tests would only wait out.
var testHookClientOptions []wrapper.Option

// newClient makes the client with the CLI's options: its User-Agent, the base URL if one
// is set, and the wire log with -v.
func (o *opts) newClient(base string, rt http.RoundTripper, red *redactor, stderr io.Writer, build func([]wrapper.Option) (*wrapper.Client, error)) (*wrapper.Client, error) {
	wopts := []wrapper.Option{wrapper.WithUserAgent("moneykit-cli/" + wrapper.Version + " " + wrapper.DefaultUserAgent)}
	if base != "" {
		wopts = append(wopts, wrapper.WithBaseURL(base))
	}
	if o.verbose {
		rt = &wireLogger{base: rt, w: stderr, red: red}
	}
	if rt != http.DefaultTransport {
		wopts = append(wopts, wrapper.WithHTTPClient(&http.Client{Transport: rt}))
	}
	return build(append(wopts, testHookClientOptions...))
}

// targetFake is opts.target for the embedded fake: each run starts a new one, at a new
// address, so its URL would name nothing.
const targetFake = "fake"

// fakeClient starts the embedded fake and returns a client for it.
func (o *opts) fakeClient(stderr io.Writer) (*wrapper.Client, func(), *failure) {
	srv, err := moneykittest.NewServer()
	if err != nil {
		return nil, nil, internalFailure(fmt.Errorf("starting the embedded fake API: %w", err))
	}
	fmt.Fprintf(stderr, "moneykit: using the embedded fake MoneyKit API at %s, as asked (--fake or MONEYKIT_BASE_URL=fake): nothing real is changed\n", srv.URL)
	red := &redactor{}
	red.add(srv.Token())
	c, err := o.newClient(srv.URL, http.DefaultTransport, red, stderr, func(opts []wrapper.Option) (*wrapper.Client, error) {
		return wrapper.New(srv.Token(), opts...)
	})
	if err != nil {
		srv.Close()
		return nil, nil, internalFailure(err)
	}
	o.red, o.target = red, targetFake
	return c, srv.Close, nil
}

// credentialFlags names the credential flags given.
func (o *opts) credentialFlags() []string {
	var given []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"--token", o.tokenFlag != ""}, {"--token-file", o.tokenFile != ""},
		{"--client-id", o.clientID != ""}, {"--client-secret-file", o.clientSecretFile != ""},
	} {
		if f.set {
			given = append(given, f.name)
		}
	}
	return given
}

// readSecretFile reads a token or secret from a file, without the surrounding space. The
// error names the flag and file, never the content.
func readSecretFile(flag, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s %s is empty", flag, path)
	}
	return s, nil
}
