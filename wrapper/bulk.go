package wrapper

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// MoneyKit's documented rate limits, the defaults of bulk work.
const (
	// AppRatePerMinute is MoneyKit's limit on PATCH, and on DELETE, per app.
	AppRatePerMinute = 600
	// LinkPatchRatePerMinute is MoneyKit's limit on PATCH per link.
	LinkPatchRatePerMinute = 4
)

// IDSource yields link ids one at a time, so a bulk run never holds them all.
type IDSource interface {
	// Next returns the next id, or ok=false at the end (err says why, if not io.EOF).
	Next(ctx context.Context) (id string, ok bool, err error)
}

type sliceIDs struct {
	ids []string
	i   int
}

func (s *sliceIDs) Next(context.Context) (string, bool, error) {
	if s.i >= len(s.ids) {
		return "", false, nil
	}
	s.i++
	return s.ids[s.i-1], true, nil
}

// IDsFromSlice yields the ids of a slice.
func IDsFromSlice(ids []string) IDSource { return &sliceIDs{ids: ids} }

type chanIDs struct{ ch <-chan string }

func (c chanIDs) Next(ctx context.Context) (string, bool, error) {
	select {
	case id, ok := <-c.ch:
		return id, ok, nil
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
}

// IDsFromChan yields ids until ch is closed.
func IDsFromChan(ch <-chan string) IDSource { return chanIDs{ch} }

type readerIDs struct{ sc *bufio.Scanner }

func (r readerIDs) Next(context.Context) (string, bool, error) {
	for r.sc.Scan() {
		line := strings.TrimSpace(r.sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		return line, true, nil
	}
	return "", false, r.sc.Err()
}

// IDsFromReader yields one id per line of r; blank lines and lines starting with # are
// skipped, and surrounding spaces trimmed.
func IDsFromReader(r io.Reader) IDSource {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxLinkIDLen+1024)
	return readerIDs{sc}
}

// BulkStatus is how one id of a bulk run ended.
type BulkStatus int

const (
	// BulkDone: the change was made (for DeleteLinks, also: the link was already deleted).
	BulkDone BulkStatus = iota
	// BulkFailed: the API or the network refused it after the retries; see Err.
	BulkFailed
	// BulkDuplicate: the id came again and was not done twice.
	BulkDuplicate
	// BulkSkipped: BulkOptions.Skip said it was done already (a resumed run).
	BulkSkipped
	// BulkNotAttempted: the run was cancelled before the id was sent.
	BulkNotAttempted
	// BulkCancelled: the run was cancelled while the id's request was in flight; whether
	// the server carried it out is unknown.
	BulkCancelled
)

// String returns the status as the journal and the CLI print it ("done", "failed", ...).
func (s BulkStatus) String() string {
	switch s {
	case BulkDone:
		return "done"
	case BulkFailed:
		return "failed"
	case BulkDuplicate:
		return "duplicate"
	case BulkSkipped:
		return "skipped"
	case BulkNotAttempted:
		return "not_attempted"
	case BulkCancelled:
		return "cancelled"
	}
	return fmt.Sprintf("BulkStatus(%d)", int(s))
}

// BulkResult is the outcome for one id.
type BulkResult struct {
	LinkID string
	Status BulkStatus
	// Link is the updated link (UpdateLinks, BulkDone).
	Link *Link
	// Err is why the id failed or was cancelled.
	Err error
}

// BulkSummary counts the outcomes of a run.
type BulkSummary struct {
	Done, Failed, Duplicate, Skipped, NotAttempted, Cancelled int
	// RateLimited counts 429 answers seen across all attempts.
	RateLimited int
	Elapsed     time.Duration
}

// BulkOptions configure UpdateLinks and DeleteLinks. The zero value uses MoneyKit's
// documented limits.
type BulkOptions struct {
	// Concurrency is how many requests may be in flight at once (default 8).
	Concurrency int
	// Rate is the requests per second shared by all workers, every attempt counted
	// (default AppRatePerMinute/60). Burst is how many may go at once (default 1).
	Rate  float64
	Burst int
	// LinkRatePerMinute limits attempts on one link (PATCH only; default
	// LinkPatchRatePerMinute). Each id is sent once, so only its retries meet this limit.
	LinkRatePerMinute float64
	// Skip, if set, is asked for each id before it is sent; true means done already.
	Skip func(id string) bool
	// OnResult, if set, gets every id's outcome as it happens, one call at a time.
	OnResult func(BulkResult)
	// CallOptions apply to every call (retries, attempt timeout).
	CallOptions []CallOption
}

// gate is what all workers of a bulk run share: the rate limiter, and a pause that any
// 429 with Retry-After imposes on everyone.
type gate struct {
	lim    *rate.Limiter
	mu     sync.Mutex
	until  time.Time
	linkRL rate.Limit
	burstL int
	links  sync.Map // link id -> *rate.Limiter, only while the id is in flight
	n429   int
}

// wait blocks until the shared pause is over and the limiters allow one attempt on id.
func (g *gate) wait(ctx context.Context, id string) error {
	for {
		g.mu.Lock()
		until := g.until
		g.mu.Unlock()
		d := time.Until(until)
		if d <= 0 {
			break
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
	if g.linkRL > 0 {
		if l, ok := g.links.Load(id); ok {
			if err := l.(*rate.Limiter).Wait(ctx); err != nil {
				return err
			}
		}
	}
	return g.lim.Wait(ctx)
}

// pause holds every worker for d: the server asked for it.
func (g *gate) pause(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n429++
	if t := time.Now().Add(d); t.After(g.until) {
		g.until = t
	}
}

// UpdateLinks applies the same change to every id from ids, with bounded concurrency and
// one rate limiter shared by all workers; when any request gets 429 with Retry-After, all
// workers wait. Duplicate ids are done once. One failure never stops the others. When ctx
// is cancelled, it stops within the time a request takes to notice, and every id it read
// is reported: done, failed, cancelled or not attempted. It returns the summary, and an
// error only if ids could not be read.
func (c *Client) UpdateLinks(ctx context.Context, ids IDSource, p UpdateParams, opts BulkOptions) (BulkSummary, error) {
	if _, err := p.body(); err != nil {
		return BulkSummary{}, err
	}
	if opts.LinkRatePerMinute == 0 {
		opts.LinkRatePerMinute = LinkPatchRatePerMinute
	}
	return c.bulk(ctx, ids, opts, func(ctx context.Context, id string, co []CallOption) (*Link, error) {
		return c.UpdateLink(ctx, id, p, co...)
	})
}

// DeleteLinks deletes every id from ids, as UpdateLinks does its change. A link that
// answers 410 link_error.deleted counts as done: the goal, a deleted link, is met (this
// is what makes a resumed run safe).
func (c *Client) DeleteLinks(ctx context.Context, ids IDSource, opts BulkOptions) (BulkSummary, error) {
	opts.LinkRatePerMinute = 0 // MoneyKit limits DELETE per app only
	return c.bulk(ctx, ids, opts, func(ctx context.Context, id string, co []CallOption) (*Link, error) {
		err := c.DeleteLink(ctx, id, co...)
		if errors.Is(err, ErrLinkDeleted) {
			return nil, nil
		}
		return nil, err
	})
}

type bulkOp func(ctx context.Context, id string, opts []CallOption) (*Link, error)

func (c *Client) bulk(ctx context.Context, ids IDSource, opts BulkOptions, op bulkOp) (BulkSummary, error) {
	start := time.Now()
	if c == nil || c.gen == nil {
		return BulkSummary{}, ErrNoClient
	}
	if ids == nil {
		return BulkSummary{}, errors.New("moneykit: bulk: nil IDSource")
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.Rate <= 0 {
		opts.Rate = AppRatePerMinute / 60.0
	}
	if opts.Burst <= 0 {
		opts.Burst = 1
	}
	g := &gate{lim: rate.NewLimiter(rate.Limit(opts.Rate), opts.Burst)}
	if opts.LinkRatePerMinute > 0 {
		// "4 per minute" allows the 4 at once, as MoneyKit's own window does.
		g.linkRL, g.burstL = rate.Limit(opts.LinkRatePerMinute/60), max(1, int(opts.LinkRatePerMinute))
	}
	callOpts := append(append([]CallOption{}, opts.CallOptions...), gateOption{g})

	var (
		sum  BulkSummary
		mu   sync.Mutex
		seen = map[uint64]struct{}{} // 8 bytes an id: memory stays small as ids grow
		seed = maphash.MakeSeed()
	)
	report := func(r BulkResult) {
		mu.Lock()
		defer mu.Unlock()
		switch r.Status {
		case BulkDone:
			sum.Done++
		case BulkFailed:
			sum.Failed++
		case BulkDuplicate:
			sum.Duplicate++
		case BulkSkipped:
			sum.Skipped++
		case BulkNotAttempted:
			sum.NotAttempted++
		case BulkCancelled:
			sum.Cancelled++
		}
		if opts.OnResult != nil {
			opts.OnResult(r)
		}
	}

	work := make(chan string)
	var wg sync.WaitGroup
	for range opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				if ctx.Err() != nil {
					report(BulkResult{LinkID: id, Status: BulkNotAttempted, Err: ctx.Err()})
					continue
				}
				if g.linkRL > 0 {
					g.links.Store(id, rate.NewLimiter(g.linkRL, g.burstL))
				}
				link, err := op(ctx, id, callOpts)
				g.links.Delete(id)
				switch {
				case err == nil:
					report(BulkResult{LinkID: id, Status: BulkDone, Link: link})
				case ctx.Err() != nil:
					report(BulkResult{LinkID: id, Status: BulkCancelled, Err: err})
				default:
					report(BulkResult{LinkID: id, Status: BulkFailed, Err: err})
				}
			}
		}()
	}

	var readErr error
feed:
	for {
		id, ok, err := ids.Next(ctx)
		if err != nil && !errors.Is(err, io.EOF) {
			if ctx.Err() == nil {
				readErr = fmt.Errorf("moneykit: bulk: reading ids: %w", err)
			}
			break
		}
		if !ok {
			break
		}
		h := maphash.String(seed, id)
		if _, dup := seen[h]; dup {
			report(BulkResult{LinkID: id, Status: BulkDuplicate})
			continue
		}
		seen[h] = struct{}{}
		if opts.Skip != nil && opts.Skip(id) {
			report(BulkResult{LinkID: id, Status: BulkSkipped})
			continue
		}
		select {
		case work <- id:
		case <-ctx.Done():
			report(BulkResult{LinkID: id, Status: BulkNotAttempted, Err: ctx.Err()})
			break feed
		}
	}
	close(work)
	wg.Wait()
	g.mu.Lock()
	sum.RateLimited = g.n429
	g.mu.Unlock()
	sum.Elapsed = time.Since(start)
	return sum, readErr
}

// gateOption attaches a bulk run's gate to each call; the doer consults it per attempt.
type gateOption struct{ g *gate }

func (o gateOption) applyCall(c *callConfig) { c.gate = o.g }
