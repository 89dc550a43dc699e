package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/moneykittest"
)

const serveUsage = `Usage: moneykit serve [flags]

Runs the fake MoneyKit API (package moneykittest) as an HTTP server, so that code in any
language, a container or a CI job can be tested against it. It prints one line on stdout,
  MONEYKIT_BASE_URL=http://127.0.0.1:PORT MONEYKIT_ACCESS_TOKEN=TOKEN
(a JSON object with --json), then logs each request on stderr, credentials redacted.
Every request and answer is checked against openapi.yaml, as in Go tests: a request that
breaks it answers 422 api_error.request.validation_failed. Ctrl-C or SIGTERM stops it.

--fault SPEC, repeatable, misbehaves on purpose. SPEC is KIND[:PROBABILITY][:METHOD]:
  KIND         a status from 400 to 599 (429 and 503 come with Retry-After: 1), drop (close
               the connection), drop-mid-body, truncate (cut the JSON in half), non-json,
               html-502 (a proxy's HTML page), or delay=DURATION (then answer normally)
  PROBABILITY  the chance that a request gets it, 0 to 1 (default 1: every request)
  METHOD       only requests with this method (PATCH, DELETE, POST)
  e.g. --fault 503:0.02 --fault delay=2s:0.1:PATCH

--seed-file FILE starts with the links in FILE, a JSON array of links as the API returns
them (openapi.yaml's Link schema), instead of the built-in seed; a link whose state is
"deleted" answers 410.

Flags:
`

// serveShutdownTimeout bounds how long requests in flight may take once asked to stop.
const serveShutdownTimeout = 5 * time.Second

type serveOpts struct {
	addr         string
	token        string
	clientID     string
	clientSecret string
	delete204    bool
	rateLimits   string
	faults       []moneykittest.Fault
	seedFile     string
	public       bool
	json         bool
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o := &serveOpts{}
	fs := flag.NewFlagSet("moneykit serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "listen on this `host:port` (port 0: any free port; the URL is printed)")
	fs.StringVar(&o.token, "token", "", "the access `token` to accept (default: a random one, printed)")
	fs.StringVar(&o.clientID, "client-id", "", "with --client-secret: the client `id` that POST /auth/token and X-Client-Id accept")
	fs.StringVar(&o.clientSecret, "client-secret", "", "with --client-id: the client `secret` that POST /auth/token and X-Client-Secret accept (a test value you make up: flags land in shell history)")
	fs.BoolVar(&o.delete204, "delete-204", false, "answer DELETE with 204 No Content instead of 200 {}")
	fs.StringVar(&o.rateLimits, "rate-limits", "moneykit", "`moneykit|off`: MoneyKit's limits (4 PATCH per minute per link; 600 PATCH and 600 DELETE per minute per app), or none")
	fs.Func("fault", "inject a fault: `SPEC` is KIND[:PROBABILITY][:METHOD] (see above); repeatable", func(v string) error {
		f, never, err := parseFault(v)
		if err != nil {
			return err
		}
		if !never {
			o.faults = append(o.faults, f)
		}
		return nil
	})
	fs.StringVar(&o.seedFile, "seed-file", "", "start with the links in this JSON `file` instead of the built-in seed")
	fs.BoolVar(&o.public, "public", false, "allow an --addr that is not loopback (anyone who can reach it can use it; plain HTTP)")
	fs.BoolVar(&o.json, "json", false, `print {"url":..., "token":...} on stdout instead of the line of variables`)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, serveUsage)
			printFlags(fs, stdout)
			return exitOK
		}
		fmt.Fprintln(stderr, "Run 'moneykit serve --help' for usage.")
		return exitUsage
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "moneykit serve: "+format+"\nRun 'moneykit serve --help' for usage.\n", a...)
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	fopts, err := o.fakeOptions()
	if err != nil {
		return usageErr("%v", err)
	}
	if !o.public && !loopbackAddr(o.addr) {
		return usageErr("--addr %s is not a loopback address: anyone who can reach it could use the fake; add --public if that is what you want", o.addr)
	}

	logger := &requestLog{w: stderr, forget: forgetEvery}
	fopts = append(fopts, moneykittest.WithViolationHandler(func(err error) {
		logger.printf("moneykit serve: the fake's answer broke openapi.yaml: %v", err)
	}))
	fake, err := moneykittest.New(fopts...)
	if err != nil {
		return usageErr("%v", err)
	}
	defer fake.Close()
	if o.seedFile != "" {
		if code := o.loadSeed(fake, stderr); code != exitOK {
			return code
		}
	}
	for _, f := range o.faults {
		fake.InjectFault(f)
	}
	logger.next, logger.fake = fake, fake
	logger.secrets = []string{fake.Token()}
	if o.clientSecret != "" {
		logger.secrets = append(logger.secrets, o.clientSecret)
		logger.basic = [2]string{o.clientID, o.clientSecret}
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return usageErr("--addr: %v", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !o.public && !tcp.IP.IsLoopback() {
		ln.Close()
		return usageErr("--addr %s resolved to %s, which is not loopback; add --public if that is what you want", o.addr, tcp.IP)
	}
	if o.public {
		fmt.Fprintf(stderr, "moneykit serve: warning: listening on %s over plain HTTP; anyone who can reach it can use the fake\n", ln.Addr())
	}

	srv := &http.Server{
		Handler:           logger,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(&scrubWriter{w: stderr, l: logger}, "moneykit serve: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	baseURL := "http://" + ln.Addr().String()
	if o.json {
		b, _ := json.Marshal(map[string]string{"url": baseURL, "token": fake.Token()})
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		fmt.Fprintf(stdout, "MONEYKIT_BASE_URL=%s MONEYKIT_ACCESS_TOKEN=%s\n", baseURL, fake.Token())
	}
	fmt.Fprintf(stderr, "moneykit serve: the fake MoneyKit API is listening at %s (%d links", baseURL, len(fake.LinkIDs()))
	if o.clientID != "" {
		fmt.Fprintf(stderr, "; POST /auth/token takes client id %s and the secret given", o.clientID)
	}
	fmt.Fprintln(stderr, "); Ctrl-C stops it")

	select {
	case err := <-served: // it stopped on its own: the listener failed
		srv.Close()
		fmt.Fprintf(stderr, "moneykit serve: %v\n", err)
		return exitNetwork
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "moneykit serve: shutting down")
	fake.Close() // ends injected delays, so that Shutdown need not wait them out
	sctx, cancel := context.WithTimeout(context.Background(), serveShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		fmt.Fprintf(stderr, "moneykit serve: requests still running after %v were cut off\n", serveShutdownTimeout)
	}
	<-served
	// Handlers of hijacked connections (the drop faults) may still be writing their log line.
	handled := make(chan struct{})
	go func() { logger.inflight.Wait(); close(handled) }()
	select {
	case <-handled:
	case <-sctx.Done():
	}
	return exitOK
}

// fakeOptions turns the flags into the fake's options.
func (o *serveOpts) fakeOptions() ([]moneykittest.Option, error) {
	var opts []moneykittest.Option
	if o.token != "" {
		if !headerSafe(o.token) {
			return nil, errors.New("--token must not contain spaces or control characters")
		}
		opts = append(opts, moneykittest.WithToken(o.token))
	}
	switch {
	case (o.clientID == "") != (o.clientSecret == ""):
		return nil, errors.New("--client-id and --client-secret go together")
	case o.clientID != "":
		if !headerSafe(o.clientID) || strings.Contains(o.clientID, ":") {
			return nil, errors.New("--client-id must not contain spaces, control characters or a colon")
		}
		if strings.ContainsFunc(o.clientSecret, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return nil, errors.New("--client-secret must not contain control characters")
		}
		opts = append(opts, moneykittest.WithClientCredentials(o.clientID, o.clientSecret))
	}
	if o.delete204 {
		opts = append(opts, moneykittest.WithDelete204())
	}
	switch o.rateLimits {
	case "moneykit":
		opts = append(opts, moneykittest.WithRateLimits(moneykittest.DefaultRateLimits()))
	case "off":
	default:
		return nil, fmt.Errorf("--rate-limits %q: want moneykit or off", o.rateLimits)
	}
	if o.seedFile != "" {
		opts = append(opts, moneykittest.WithoutSeed())
	}
	return opts, nil
}

// loadSeed adds the links of --seed-file to the fake.
func (o *serveOpts) loadSeed(fake *moneykittest.Fake, stderr io.Writer) int {
	f, err := os.Open(o.seedFile)
	if err != nil {
		fmt.Fprintf(stderr, "moneykit serve: --seed-file: %v\nRun 'moneykit serve --help' for usage.\n", err)
		return exitUsage
	}
	defer f.Close()
	links, err := moneykittest.LoadLinks(f)
	if err != nil {
		fmt.Fprintf(stderr, "moneykit serve: --seed-file %s: %v\nRun 'moneykit serve --help' for usage.\n", o.seedFile, err)
		return exitUsage
	}
	now := time.Now()
	for _, l := range links {
		var lopts []moneykittest.LinkOption
		if l.State == api.LinkStateDeleted {
			lopts = append(lopts, moneykittest.DeletedAt(now))
		}
		if err := fake.AddLink(l, lopts...); err != nil {
			fmt.Fprintf(stderr, "moneykit serve: --seed-file %s: %v\n", o.seedFile, err)
			return exitUsage
		}
	}
	return exitOK
}

func headerSafe(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

// loopbackAddr reports whether a listen address names a loopback host. An empty host
// means every interface, which is not.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// faultKinds are the --fault kinds that need no argument.
var faultKinds = map[string]moneykittest.FaultKind{
	"drop":          moneykittest.FaultDrop,
	"drop-mid-body": moneykittest.FaultDropMidBody,
	"truncate":      moneykittest.FaultTruncate,
	"non-json":      moneykittest.FaultNonJSON,
	"html-502":      moneykittest.FaultHTML502,
}

// parseFault reads a --fault SPEC: KIND[:PROBABILITY][:METHOD]. never reports a
// probability of 0: a valid fault that is never to fire.
func parseFault(s string) (f moneykittest.Fault, never bool, err error) {
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return f, false, fmt.Errorf("%q: want KIND[:PROBABILITY][:METHOD]", s)
	}
	f.Times = -1 // every matching request, or each with the probability
	kind := parts[0]
	switch k, ok := faultKinds[kind]; {
	case ok:
		f.Kind = k
	case strings.HasPrefix(kind, "delay="):
		d, err := time.ParseDuration(strings.TrimPrefix(kind, "delay="))
		if err != nil || d <= 0 || d > time.Hour {
			return f, false, fmt.Errorf("%q: delay wants a duration from 1ns to 1h, such as 2s or 500ms", s)
		}
		f.Kind, f.Latency = moneykittest.FaultDelay, d
	default:
		status, err := strconv.Atoi(kind)
		if err != nil || status < 400 || status > 599 {
			return f, false, fmt.Errorf("%q: unknown fault kind %q: want a status from 400 to 599, drop, drop-mid-body, truncate, non-json, html-502 or delay=DURATION", s, kind)
		}
		f.Kind, f.Status = moneykittest.FaultStatus, status
		f.Header = http.Header{"Content-Type": {"application/json"}}
		f.Body = []byte(fmt.Sprintf(`{"error_code":"api_error.fault_injected","error_message":"Injected by moneykit serve --fault %d."}`, status))
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			f.Header.Set("Retry-After", "1")
		}
		if status == http.StatusTooManyRequests {
			f.Body = []byte(`{"error_code":"api_error.rate_limit_exceeded","error_message":"Rate limit exceeded","documentation_url":"https://docs.moneykit.com/reference/errors"}`)
		}
	}
	if len(parts) > 1 {
		p, err := strconv.ParseFloat(parts[1], 64)
		if err != nil || !(p >= 0 && p <= 1) {
			return f, false, fmt.Errorf("%q: probability %q must be a number from 0 to 1", s, parts[1])
		}
		never = p == 0
		if p < 1 {
			f.Probability = p
		}
	}
	if len(parts) > 2 {
		switch m := strings.ToUpper(parts[2]); m {
		case http.MethodPatch, http.MethodDelete, http.MethodPost:
			f.Method = m
		default:
			return f, false, fmt.Errorf("%q: method %q: want PATCH, DELETE or POST", s, parts[2])
		}
	}
	return f, never, nil
}

// requestLog serves the fake and logs each request on one line, with credentials
// redacted in every form they can take on the wire.
type requestLog struct {
	next    http.Handler
	fake    *moneykittest.Fake
	w       io.Writer
	secrets []string  // the fake's token and client secret
	basic   [2]string // client id and secret, as HTTP Basic credentials
	forget  int       // forget the fake's recorded requests every this many (see forgetEvery)
	// inflight counts the requests being served, those on hijacked connections included,
	// which http.Server.Shutdown does not wait for.
	inflight sync.WaitGroup
	mu       sync.Mutex
	served   int
}

// forgetEvery: the fake keeps every request it receives for tests to read back. A server
// that may run for days has no reader for them, so it forgets them now and then.
const forgetEvery = 1000

// maxServeLogBody is how much of a request body a log line shows.
const maxServeLogBody = 512

func (l *requestLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.inflight.Add(1)
	defer l.inflight.Done()
	start := time.Now()
	// Read more than the log shows, so that a secret that straddles the cut is redacted
	// whole before the cut, then hand the fake the whole body, as it came.
	head, _ := io.ReadAll(io.LimitReader(r.Body, maxServeLogBody+readSlack))
	r.Body = readCloser{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
	sw := &statusWriter{ResponseWriter: w}
	l.next.ServeHTTP(sw, r)

	red := l.redactor(r, head)
	show := func(s string) string { return printable(red.redactString(s), maxServeLogBody) }
	var line strings.Builder
	fmt.Fprintf(&line, "%s %s %s", start.UTC().Format("15:04:05.000"), show(r.Method), show(r.URL.RequestURI()))
	if sw.status == 0 {
		line.WriteString(" -> connection dropped")
	} else {
		fmt.Fprintf(&line, " -> %d", sw.status)
	}
	fmt.Fprintf(&line, " in %v", time.Since(start).Round(time.Microsecond))
	if a := authKind(r); a != "" {
		line.WriteString(" auth=" + a)
	}
	if len(head) > 0 {
		line.WriteString(" body=" + show(string(head)))
	}
	if sw.status >= 400 {
		if msg := errorSummary(sw.body.Bytes()); msg != "" {
			line.WriteString(" answer=" + show(msg))
		}
	}
	l.print(line.String(), red)
	l.mu.Lock()
	l.served++
	forget := l.forget > 0 && l.served%l.forget == 0
	l.mu.Unlock()
	if forget && l.fake != nil {
		l.fake.ResetRequests()
	}
}

// readSlack is how much more of a body is read than shown: more than any credential.
const readSlack = 4096

// printable makes s safe for one log line: whitespace runs become one space, control
// characters and invalid UTF-8 become '?', and it is cut to max bytes.
func printable(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ToValidUTF8(s, "?")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

func (l *requestLog) printf(format string, a ...any) {
	l.print(fmt.Sprintf(format, a...), l.redactor(nil, nil))
}

func (l *requestLog) print(line string, red *redactor) {
	line = red.redactString(line)
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, line)
}

// redactor knows the server's secrets and those a request carried (its credentials, a
// client secret in its form), which its log line must not repeat even when they turn up
// elsewhere in it: a token pasted into a body, say. One per request: a server that runs
// for days must not collect every token it has seen.
func (l *requestLog) redactor(r *http.Request, body []byte) *redactor {
	red := &redactor{}
	red.add(l.secrets...)
	if l.basic[1] != "" {
		red.addBasic(l.basic[0], l.basic[1])
	}
	if r != nil {
		red.learnHeaders(r.Header)
		red.learn(body)
	}
	return red
}

// authKind names the credentials a request carried, never their value.
func authKind(r *http.Request) string {
	var kinds []string
	if a := r.Header.Get("Authorization"); a != "" {
		scheme, _, _ := strings.Cut(a, " ")
		kinds = append(kinds, strings.ToLower(scheme))
	}
	if r.Header.Get("X-Client-Id") != "" || r.Header.Get("X-Client-Secret") != "" {
		kinds = append(kinds, "client-headers")
	}
	return strings.Join(kinds, ",")
}

// errorSummary is the error_code (and what failed validation) of an error answer.
func errorSummary(body []byte) string {
	var b struct {
		Code   string `json:"error_code"`
		Errors []struct {
			Location []any `json:"location"`
			Message  string
		} `json:"validation_errors"`
	}
	if json.Unmarshal(body, &b) != nil || b.Code == "" {
		return ""
	}
	out := b.Code
	for _, e := range b.Errors {
		var loc []string
		for _, p := range e.Location {
			loc = append(loc, fmt.Sprint(p))
		}
		out += fmt.Sprintf(" [%s: %s]", strings.Join(loc, "."), e.Message)
	}
	return out
}

// statusWriter notes the status and the start of the body of an answer. It passes
// Hijack through: the fake's connection faults need it.
type statusWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if n := 4096 - w.body.Len(); n > 0 {
		w.body.Write(b[:min(n, len(b))])
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("moneykit serve: the connection cannot be hijacked")
	}
	return hj.Hijack()
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// scrubWriter redacts the server's own error log.
type scrubWriter struct {
	w io.Writer
	l *requestLog
}

func (s *scrubWriter) Write(b []byte) (int, error) {
	s.l.printf("%s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
