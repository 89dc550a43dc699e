package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/maphash"
	"io"
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
absolute values; a link already deleted counts as done).

Flags:
`

// runBulk is 'moneykit bulk update|delete'.
func runBulk(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
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
	pos, err := parseInterspersed(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, bulkUsage)
		printFlags(fs, stdout)
		return exitOK
	}
	if err != nil {
		out := &printer{stdout: stdout, stderr: stderr, json: wantsJSON(args)}
		return out.fail(usageFailure(o.cmd, "%v", err))
	}
	bad := func(msg string) int {
		return o.printer(stdout, stderr).fail(usageFailure(o.cmd, "%s", msg))
	}
	switch {
	case len(pos) > 0:
		return bad(fmt.Sprintf("unexpected argument %q", pos[0]))
	case idsPath == "":
		return bad("--ids FILE (or - for stdin) is required")
	case concurrency < 1 || perMinute <= 0:
		return bad("--concurrency and --rate must be positive")
	case o.conflicts(cmd) != "":
		return bad(o.conflicts(cmd))
	}

	var in io.Reader = os.Stdin
	total := -1
	if idsPath != "-" {
		f, err := os.Open(idsPath)
		if err != nil {
			return bad(err.Error())
		}
		defer f.Close()
		if total, err = countLines(f); err != nil {
			return bad(err.Error())
		}
		in = f
	}
	var j *journal
	if journalPath != "" {
		if j, err = openJournal(journalPath); err != nil {
			fmt.Fprintf(stderr, "moneykit bulk: journal: %v\n", err)
			return exitInternal
		}
		defer j.close()
		if n := j.doneCount(); n > 0 {
			fmt.Fprintf(stderr, "moneykit bulk: resuming: the journal lists %d ids as done\n", n)
		}
	}

	c, cleanup, code := o.client(getenv, stdout, stderr)
	if code != exitOK {
		return code
	}
	defer cleanup()

	bar := newProgress(stderr, total)
	var mu sync.Mutex
	var failures []string
	bopts := wrapper.BulkOptions{
		Concurrency: concurrency,
		Rate:        perMinute / 60,
		OnResult: func(r wrapper.BulkResult) {
			if j != nil && (r.Status == wrapper.BulkDone || r.Status == wrapper.BulkFailed) {
				if err := j.record(r.Status, r.LinkID); err != nil {
					fmt.Fprintf(stderr, "moneykit bulk: journal: %v\n", err)
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
	ids := wrapper.IDsFromReader(in)
	var sum wrapper.BulkSummary
	if cmd == "delete" {
		sum, err = c.DeleteLinks(ctx, ids, bopts)
	} else {
		sum, err = c.UpdateLinks(ctx, ids, o.params(), bopts)
	}
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(stderr)
	}
	for _, f := range failures {
		fmt.Fprintln(stderr, f)
	}
	out := &printer{stdout: stdout, stderr: stderr, json: o.json}
	if o.json {
		out.writeJSON(map[string]any{"done": sum.Done, "failed": sum.Failed, "duplicate": sum.Duplicate, "skipped": sum.Skipped,
			"not_attempted": sum.NotAttempted, "cancelled": sum.Cancelled, "rate_limited": sum.RateLimited, "elapsed_seconds": sum.Elapsed.Seconds()})
	} else {
		fmt.Fprintf(stdout, "%s: %d done, %d failed, %d duplicate, %d skipped (journal), %d not attempted, %d cancelled; %d rate-limited answers; %s\n",
			cmd, sum.Done, sum.Failed, sum.Duplicate, sum.Skipped, sum.NotAttempted, sum.Cancelled, sum.RateLimited, sum.Elapsed.Round(time.Millisecond))
	}
	switch {
	case err != nil:
		fmt.Fprintln(stderr, err)
		return exitUsage
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "moneykit bulk: interrupted; run again with the same --journal to resume")
		return exitNetwork
	case sum.Failed > 0:
		return exitAPI
	}
	return exitOK
}

// countLines counts the ids in f (for the progress bar) and rewinds it.
func countLines(f *os.File) (int, error) {
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			n++
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	_, err := f.Seek(0, io.SeekStart)
	return n, err
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

// journal is an append-only file of finished ids, one line each ("done\tID"), synced
// after every line, so that a killed run loses nothing it reported.
type journal struct {
	f    *os.File
	mu   sync.Mutex
	seed maphash.Seed
	done map[uint64]struct{}
}

func openJournal(path string) (*journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	j := &journal{f: f, seed: maphash.MakeSeed(), done: map[uint64]struct{}{}}
	r := bufio.NewReader(f)
	partial := false
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF {
			partial = line != "" // a line cut short by a crash: not a record
			break
		}
		if err != nil {
			f.Close()
			return nil, err
		}
		if status, id, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "\t"); ok && status == "done" {
			j.done[maphash.String(j.seed, id)] = struct{}{}
		}
	}
	if partial {
		if _, err := f.WriteString("\n"); err != nil {
			f.Close()
			return nil, err
		}
	}
	return j, nil
}

func (j *journal) doneCount() int { return len(j.done) }

func (j *journal) isDone(id string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	_, ok := j.done[maphash.String(j.seed, id)]
	return ok
}

func (j *journal) record(status wrapper.BulkStatus, id string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.WriteString(status.String() + "\t" + id + "\n"); err != nil {
		return err
	}
	if status == wrapper.BulkDone {
		j.done[maphash.String(j.seed, id)] = struct{}{}
	}
	return j.f.Sync()
}

func (j *journal) close() error { return j.f.Close() }
