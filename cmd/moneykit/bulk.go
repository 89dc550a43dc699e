package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

const bulkUsage = `Usage:
  moneykit bulk update --ids FILE|- [--webhook URL | --remove-webhook] [--tags a,b | --clear-tags] [flags]
  moneykit bulk delete --ids FILE|- [flags]

Applies one change (or deletion) to many links, one id per line, at MoneyKit's rate limits
(600 requests per minute per app, 4 PATCH per minute per link), with every worker backing
off together on a 429. With --journal FILE, each finished id is appended (and synced) to
FILE, and a re-run with the same journal skips the ids already done: resume after Ctrl-C,
kill -9 or a crash. Requests in flight when a run dies are sent again on resume (PATCH sets
absolute values; a link already deleted counts as done). A journal records the operation,
its values and the API (base URL, or the fake): a run with others is refused (exit 2), and
so is a run on a journal another run holds (one run at a time). The first Ctrl-C or SIGTERM
stops taking ids, lets the requests in flight finish and exits 130 or 143; a second exits
at once.
--timeout bounds each id's call.

Flags:
`

// runBulk is 'moneykit bulk update|delete'.
func runBulk(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (code int) {
	if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "-help" || args[0] == "help") {
		args = []string{"update", "--help"} // bulk update's flags include all of bulk delete's
	}
	if len(args) == 0 || (args[0] != "update" && args[0] != "delete") {
		out := &printer{stdout: stdout, stderr: stderr, json: wantsJSON(args)}
		return out.fail(usageFailure("bulk", "say update or delete"))
	}
	cmd := args[0]
	o := &opts{}
	fs := o.flags("bulk " + cmd)
	var idsPath, journalPath string
	var concurrency int
	var perMinute float64
	fs.StringVar(&idsPath, "ids", "", "read link ids from `FILE`, one per line (- for stdin)")
	fs.StringVar(&journalPath, "journal", "", "append each finished id to `FILE`, and skip the ids it lists as done")
	fs.IntVar(&concurrency, "concurrency", 8, "at most `N` requests in flight at once")
	fs.Float64Var(&perMinute, "rate", wrapper.AppRatePerMinute, "send at most `N` requests per minute, across all workers")
	pos, code, ok := parseFlags(o.cmd, fs, args[1:], bulkUsage, stdout, stderr)
	if !ok {
		return code
	}
	bad := func(msg string) int {
		return o.printer(stdout, stderr).fail(usageFailure(o.cmd, "%s", msg))
	}
	switch {
	case len(pos) > 0:
		return bad(fmt.Sprintf("unexpected argument %q", pos[0]))
	case idsPath == "":
		return bad("--ids FILE (or - for stdin) is required")
	case concurrency < 1 || !(perMinute > 0) || math.IsInf(perMinute, 0): // NaN too
		return bad("--concurrency and --rate must be positive numbers")
	case o.conflicts(cmd) != "":
		return bad(o.conflicts(cmd))
	}

	p := o.params()
	hdr := newJournalHeader(cmd, p)
	var in io.Reader = os.Stdin
	inName := "stdin"
	total := -1
	if idsPath != "-" {
		f, err := os.Open(idsPath)
		if err != nil {
			return bad(err.Error())
		}
		defer f.Close()
		if total, err = countIDs(f); err != nil {
			return bad(fmt.Sprintf("--ids %s: %v", idsPath, err))
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return bad(err.Error())
		}
		in, inName = f, idsPath
	}

	c, cleanup, code := o.client(getenv, stdout, stderr)
	if code != exitOK {
		return code
	}
	defer cleanup()
	hdr.Target = o.target // a journal is bound to where its ids were done
	if cmd == "update" {
		// The change is checked by the wrapper's own rules before the journal is made: a
		// run with no ids sends nothing and fails only on bad values.
		if _, err := c.UpdateLinks(ctx, wrapper.IDsFromSlice(nil), p, wrapper.BulkOptions{}); err != nil {
			return bad(trimPrefixes(err.Error()))
		}
	}
	var j *journal
	var err error
	if journalPath != "" {
		if j, err = openJournal(journalPath, hdr); err != nil {
			f := &failure{kind: kindInternal, prefix: "moneykit " + o.cmd, msg: "journal: " + err.Error(), hint: "Nothing was sent: a run must be able to record what it does."}
			var refused *journalRefused
			if errors.As(err, &refused) {
				f.kind, f.msg, f.hint = kindUsage, err.Error(), "Nothing was sent."
			}
			return o.printer(stdout, stderr).fail(f)
		}
		defer j.close()
		if j.unheld != nil {
			fmt.Fprintf(stderr, "moneykit bulk: journal: %v: keep to one run on it at a time yourself\n", j.unheld)
		}
		if j.torn > 0 {
			fmt.Fprintf(stderr, "moneykit bulk: journal: cut off line %d, cut short when a run died mid-write\n", j.torn)
		}
		if n := j.doneCount(); n > 0 {
			fmt.Fprintf(stderr, "moneykit bulk: resuming: the journal lists %d ids as done\n", n)
		}
	}

	// The first signal cancels ctx, which closes BulkOptions.Stop: the run reads and sends
	// no more ids, and the requests in flight go on (each bounded by --timeout) so that
	// their outcome is known and journaled. runCtx ends only when the journal cannot be
	// written: then nothing more may be done.
	runCtx, stopRun := context.WithCancelCause(context.WithoutCancel(ctx))
	defer stopRun(nil)
	ids := namedIDs{wrapper.IDsFromReader(in), inName}

	bar := newProgress(stderr, total)
	var mu sync.Mutex
	var failures []string
	unrecorded := 0 // done, and not in the journal: its record failed, or came after that
	bopts := wrapper.BulkOptions{
		Concurrency: concurrency,
		Rate:        perMinute / 60,
		CallTimeout: o.timeout, // per id, as --timeout bounds the one call of update and delete
		Stop:        ctx.Done(),
		OnResult: func(r wrapper.BulkResult) {
			if j != nil && (r.Status == wrapper.BulkDone || r.Status == wrapper.BulkFailed) {
				if err := j.record(r); err != nil {
					stopRun(err) // the first error stays the cause
					if r.Status == wrapper.BulkDone {
						unrecorded++
					}
				}
			}
			if r.Status == wrapper.BulkFailed {
				mu.Lock()
				if len(failures) < 20 {
					failures = append(failures, fmt.Sprintf("  %s: %v", r.LinkID, r.Err))
				}
				mu.Unlock()
			}
			if bar != nil {
				bar.Add(1)
			}
		},
	}
	if j != nil {
		bopts.Skip = j.isDone
	}
	var sum wrapper.BulkSummary
	if cmd == "delete" {
		sum, err = c.DeleteLinks(runCtx, ids, bopts)
	} else {
		sum, err = c.UpdateLinks(runCtx, ids, p, bopts)
	}
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(stderr)
	}
	out := o.printer(stdout, stderr)
	for _, f := range failures {
		fmt.Fprintln(stderr, "  "+out.text(f)) // the API's error messages: one clean line each
	}
	if o.json {
		// One object once the outcome is known: the summary, with the error object when
		// the run failed. The message below on stderr is also the error's.
		var msg strings.Builder
		stderr = io.MultiWriter(stderr, &msg)
		defer func() { out.bulkJSON(sum, code, msg.String(), err) }()
	} else {
		fmt.Fprintf(stdout, "%s: %d done, %d failed, %d duplicate, %d skipped (journal), %d not attempted, %d cancelled; %d rate-limited answers; %s\n",
			cmd, sum.Done, sum.Failed, sum.Duplicate, sum.Skipped, sum.NotAttempted, sum.Cancelled, sum.RateLimited, sum.Elapsed.Round(time.Millisecond))
	}
	sig, signalled := signalOf(ctx)
	var apiErr *wrapper.Error
	switch {
	case runCtx.Err() != nil: // only a journal that cannot be written ends it
		fmt.Fprintf(stderr, "moneykit bulk: journal %q: %v\nStopped: a run must not do work it cannot record. The %d requests in flight were abandoned (the server may have carried them out)", journalPath, context.Cause(runCtx), sum.Cancelled)
		if unrecorded > 0 {
			fmt.Fprintf(stderr, ", and %d ids were done but are not recorded", unrecorded)
		}
		fmt.Fprintf(stderr, "; %s. Once the journal can be written, run again with it to resume (a deleted link counts as done; a change sets the same values again).\n", leftOver(sum, total))
		return exitInternal
	case errors.Is(err, wrapper.ErrAccessTokenExpired):
		fmt.Fprintf(stderr, "moneykit bulk: the access token expired during the run, which stopped: %s. A fixed token cannot be renewed: for long runs give client credentials (MONEYKIT_CLIENT_ID and MONEYKIT_CLIENT_SECRET, or --client-id and --client-secret-file), with which moneykit gets new tokens as they expire. %s\n",
			leftOver(sum, total), resumeAdvice(journalPath))
		return exitAPI
	case errors.As(err, &apiErr): // the run stopped on an answer (credentials refused)
		fmt.Fprintf(stderr, "moneykit bulk %s: %s; %s. %s\n", cmd, out.text(trimPrefixes(err.Error())), leftOver(sum, total), resumeAdvice(journalPath))
		return exitAPI
	case err != nil: // the ids could not be read
		fmt.Fprintf(stderr, "moneykit bulk %s: %s\n", cmd, out.text(trimPrefixes(err.Error())))
		return exitUsage
	case signalled:
		fmt.Fprintf(stderr, "moneykit bulk: %v: stopped taking ids; the requests in flight were let finish; %s. %s\n", sig, leftOver(sum, total), resumeAdvice(journalPath))
		return sig.exitCode()
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "moneykit bulk: interrupted. %s\n", resumeAdvice(journalPath))
		return exitNetwork
	case sum.Failed > 0:
		return exitAPI
	}
	return exitOK
}

// leftOver says what a stopped run left: the ids it read and did not send, and those it
// did not read (counted when they came from a file: total is -1 for stdin).
func leftOver(sum wrapper.BulkSummary, total int) string {
	s := fmt.Sprintf("%d ids read were not attempted", sum.NotAttempted)
	read := sum.Done + sum.Failed + sum.Duplicate + sum.Skipped + sum.NotAttempted + sum.Cancelled
	switch {
	case total < 0:
		return s + ", and the ids after them were not read"
	case total > read:
		return s + fmt.Sprintf(", and %d were not read", total-read)
	}
	return s
}

// resumeAdvice tells how to pick up where the run stopped.
func resumeAdvice(journalPath string) string {
	if journalPath == "" {
		return "This run had no --journal: a new run sends every id again (a deleted link counts as done); use --journal FILE to make runs resumable."
	}
	return "Run again with the same --journal " + journalPath + " to resume."
}

// newProgress shows a bar with rate and ETA when stderr is a terminal; nil otherwise.
func newProgress(stderr io.Writer, total int) *progressbar.ProgressBar {
	f, ok := stderr.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription("links"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("ids"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
}
