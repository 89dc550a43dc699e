package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/halyard-labs/moneykit-go/internal/lines"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// A journal is a text file: a header line naming the run it belongs to, then one line per
// finished id, appended and synced as each finishes, so that a killed run loses nothing
// it reported:
//
//	moneykit-bulk-journal v1 {"operation":"update","webhook":"set","webhook_url":"https://x.example/h","link_tags":"unchanged","api_version":"2023-02-18","target":"https://api.moneykit.com"}
//	done	mk_1
//	failed	mk_2	moneykit: PATCH /links/mk_2: 404 link_error.not_found: Link not found.
//
// Lines are read under the same rule as ids files (package internal/lines). A run resumes a
// journal only if its header is the same; a last line without \n was cut short by a crash
// and is cut off when the journal is opened.
const (
	journalMagic   = "moneykit-bulk-journal"
	journalVersion = "v1"
	// maxJournalLine bounds a journal line: the header holds a webhook URL (up to 65,536
	// characters) and the tags.
	maxJournalLine = 1 << 20
	// maxReason bounds the reason written on a failed line.
	maxReason = 1000
)

// journalHeader is what a journal records of its run: the operation and its values, the
// API version, and where the work was done. A done id means done with these, there, and
// nothing else.
//
// The target is the API, not the identity: a link id names one link of that API whoever
// acts on it, and a link done is done whichever credentials did it. So a run resumes with
// other credentials (a new token after one expired, or client credentials instead), and the
// journal holds no credential, not even a client id.
type journalHeader struct {
	Operation  string   `json:"operation"`             // "update" or "delete"
	Webhook    string   `json:"webhook,omitempty"`     // update: "unchanged", "remove" or "set"
	WebhookURL string   `json:"webhook_url,omitempty"` // with "set"
	LinkTags   string   `json:"link_tags,omitempty"`   // update: "unchanged" or "set"
	Tags       []string `json:"tags,omitempty"`        // with "set"; none clears the tags
	APIVersion string   `json:"api_version"`
	Target     string   `json:"target"` // the API's base URL, or "fake" for the embedded fake (set by the caller)
}

// newJournalHeader describes the run of cmd ("update" or "delete") with p.
func newJournalHeader(cmd string, p wrapper.UpdateParams) journalHeader {
	h := journalHeader{Operation: cmd, APIVersion: wrapper.DefaultAPIVersion}
	if cmd != "update" {
		return h
	}
	h.Webhook = "unchanged"
	if u, ok := p.Webhook.URL(); ok {
		h.Webhook, h.WebhookURL = "set", u
	} else if p.Webhook.IsRemove() {
		h.Webhook = "remove"
	}
	h.LinkTags = "unchanged"
	if tags, ok := p.LinkTags.Tags(); ok {
		h.LinkTags, h.Tags = "set", tags
	}
	return h
}

func (h journalHeader) line() string {
	b, _ := json.Marshal(h) // strings and a slice of strings: cannot fail
	return journalMagic + " " + journalVersion + " " + string(b)
}

// String is the run as a command line, for messages.
func (h journalHeader) String() string {
	s := "bulk " + h.Operation
	switch h.Webhook {
	case "set":
		s += " --webhook " + h.WebhookURL
	case "remove":
		s += " --remove-webhook"
	}
	if h.LinkTags == "set" {
		if len(h.Tags) == 0 {
			s += " --clear-tags"
		} else {
			s += " --tags " + strings.Join(h.Tags, ",")
		}
	}
	return s + " (MoneyKit-Version " + h.APIVersion + ") on " + targetName(h.Target)
}

// targetName names a journal's target for messages.
func targetName(target string) string {
	if target == targetFake {
		return "the embedded fake API (--fake)"
	}
	return target
}

// journalRefused is the error for a journal this run must not use (another run's, an old
// or damaged one): nothing has been sent.
type journalRefused struct{ msg string }

func (e *journalRefused) Error() string { return e.msg }

// lockJournal's errors. errJournalInUse: another run holds the journal (two runs on one
// journal would send the same ids twice and interleave their records). errJournalUnheld:
// this system or file system cannot lock it; the run goes on and says so.
var (
	errJournalInUse  = errors.New("journal in use")
	errJournalUnheld = errors.New("cannot be locked for this run")
)

// journal is an open journal: the ids it lists as done, and the file to append to.
type journal struct {
	path   string
	f      *os.File
	mu     sync.Mutex
	seed   maphash.Seed
	done   map[uint64]struct{} // 8 bytes an id: memory stays small as ids grow
	err    error               // the first write error: nothing is written after it
	torn   int                 // the number of the torn last line cut off on open; 0 if none
	unheld error               // why the journal is not held for this run (lockJournal); nil if it is
}

// openJournal opens the journal at path for the run h, creating it if need be, and holds
// it for this run alone until close. It refuses (*journalRefused) a journal another run
// holds, one of another run, one without a header (written before journals had one), or
// one with a line it cannot read; a journal that cannot be
// opened for writing is an error too. Either way, nothing has been sent yet.
func openJournal(path string, h journalHeader) (*journal, error) {
	refuse := func(format string, a ...any) error {
		return &journalRefused{fmt.Sprintf("journal %q ", path) + fmt.Sprintf(format, a...)}
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return nil, refuse("is not a regular file")
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	j := &journal{path: path, f: f, seed: maphash.MakeSeed(), done: map[uint64]struct{}{}}
	if err := lockJournal(f); errors.Is(err, errJournalInUse) {
		f.Close()
		return nil, refuse("is in use by another run: one run at a time on a journal (wait for it to end, or stop it)")
	} else if err != nil {
		j.unheld = err
	}
	if err := j.load(h, refuse); err != nil {
		f.Close()
		return nil, err
	}
	return j, nil
}

// load reads the journal, checks its header against h, cuts off a torn last line, and
// writes the header to a journal that has none yet.
func (j *journal) load(h journalHeader, refuse func(string, ...any) error) error {
	lr := lines.NewReader(j.f, maxJournalLine)
	header := false
	for {
		line, complete, err := lr.Next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, lines.ErrTooLong) {
			return refuse("%v", err)
		}
		if err != nil {
			return err
		}
		if !complete {
			j.torn = lr.Line() // a crash mid-write: not a record
			break
		}
		if !header {
			if err := checkHeader(line, h); err != "" {
				return refuse("%s", err)
			}
			header = true
			continue
		}
		status, rest, _ := strings.Cut(line, "\t")
		id, _, _ := strings.Cut(rest, "\t")
		switch {
		case id == "" || (status != "done" && status != "failed"):
			return refuse("line %d: not a journal record (want done<TAB>id or failed<TAB>id<TAB>reason): %.80q", lr.Line(), line)
		case status == "done":
			j.done[maphash.String(j.seed, id)] = struct{}{}
		}
	}
	st, err := j.f.Stat()
	if err != nil {
		return err
	}
	if st.Size() > lr.Complete() { // bytes after the last \n: cut them off, never complete them
		if err := j.f.Truncate(lr.Complete()); err != nil {
			return err
		}
	}
	if !header {
		if _, err := j.f.WriteString(h.line() + "\n"); err != nil {
			return err
		}
	}
	return j.f.Sync()
}

// checkHeader says why line is not the header of the run h ("" if it is).
func checkHeader(line string, h journalHeader) string {
	rest, ok := strings.CutPrefix(line, journalMagic+" ")
	if !ok {
		return "has no header line: it was written by an older moneykit, or is not a journal, so it cannot say which change its ids got; start a new journal"
	}
	version, body, _ := strings.Cut(rest, " ")
	if version != journalVersion {
		return fmt.Sprintf("is in format %.20q, which this moneykit (%s) does not know", version, journalVersion)
	}
	var got journalHeader
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil || got.Operation == "" {
		return "has a damaged header line"
	}
	switch {
	case got.Target == "":
		return "does not record which API its ids were done on (an older moneykit wrote it), so they may have been done elsewhere, on the embedded fake say; start a new journal"
	case got.Target != h.Target:
		return fmt.Sprintf("was written on %s, and this run goes to %s: the ids it lists as done were done there, not here. Use another --journal file",
			targetName(got.Target), targetName(h.Target))
	}
	if got.line() != h.line() {
		return fmt.Sprintf("belongs to another run: it records %q, and this run is %q; the ids it lists as done say nothing about this one. Use another --journal file", got.String(), h.String())
	}
	return ""
}

func (j *journal) doneCount() int { return len(j.done) }

func (j *journal) isDone(id string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	_, ok := j.done[maphash.String(j.seed, id)]
	return ok
}

// record appends the outcome of one id (done, or failed with the reason) and syncs it.
// After a failed write it writes nothing more and returns that error again: a run must
// not go on doing work it cannot record.
func (j *journal) record(r wrapper.BulkResult) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	line := r.Status.String() + "\t" + r.LinkID
	if r.Status == wrapper.BulkFailed {
		line += "\t" + reason(r.Err)
	}
	if _, err := j.f.WriteString(line + "\n"); err != nil {
		j.err = err
		return err
	}
	if err := j.f.Sync(); err != nil {
		j.err = err
		return err
	}
	if r.Status == wrapper.BulkDone {
		j.done[maphash.String(j.seed, r.LinkID)] = struct{}{}
	}
	return nil
}

// reason is err on one line, with control characters as spaces, at most maxReason bytes.
func reason(err error) string {
	if err == nil {
		return "unknown"
	}
	s := strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(err.Error(), "?"))
	if len(s) > maxReason {
		n := maxReason
		for !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n]
	}
	return s
}

func (j *journal) close() error { return j.f.Close() }
