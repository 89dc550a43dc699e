package wrapper

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"net/http"
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
	// BulkNotAttempted: the id was never sent; Err says why (the run was cancelled or
	// stopped, or its deadline or CallTimeout passed, or the rate limit could not grant
	// a request in time). Sending it again later is safe.
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
	// Err is why the id failed, was cancelled or was not attempted.
	Err error
}

// BulkSummary counts the outcomes of a run: each count is the number of BulkResults
// with that status.
type BulkSummary struct {
	Done, Failed, Duplicate, Skipped, NotAttempted, Cancelled int
	// RateLimited counts the 429 answers of all attempts.
	RateLimited int
	Elapsed     time.Duration
}

// BulkOptions configure UpdateLinks and DeleteLinks. The zero value uses MoneyKit's
// documented limits: a field left zero takes its default, and a negative, NaN or infinite
// one is refused (the run returns an error and sends nothing).
type BulkOptions struct {
	// Concurrency is how many requests may be in flight at once (default 8).
	Concurrency int
	// Rate is the most requests per second of the run, every attempt counted (default
	// AppRatePerMinute/60). Burst is how many may go at once (default 1). The run lowers
	// its rate when the server answers 429, and raises it again, up to Rate, when the
	// 429s stop.
	Rate  float64
	Burst int
	// Limiter, if set, is asked too before every attempt, after Rate: a limit shared with
	// other processes (see Limiter).
	Limiter Limiter
	// LinkRatePerMinute limits attempts on one link (PATCH only; default
	// LinkPatchRatePerMinute). Each id is sent once, so only its retries meet this limit.
	LinkRatePerMinute float64
	// CallTimeout, if positive, bounds each id's whole call: its waits for the rate limit,
	// all its attempts and the waits between them. An id whose time ran out after it was
	// sent is BulkFailed (its Err wraps context.DeadlineExceeded); one whose time ran out
	// before anything was sent is BulkNotAttempted.
	CallTimeout time.Duration
	// Skip, if set, is asked for each id before it is sent; true means done already.
	Skip func(id string) bool
	// OnResult, if set, gets every id's outcome as it happens, one call at a time.
	OnResult func(BulkResult)
	// Stop, if set, stops the run gracefully when closed (on a signal, say): no more ids
	// are read from the IDSource (its Next's context ends), an id read but not sent yet
	// (waiting for the rate limit, a Limiter or a 429 pause) is BulkNotAttempted, and
	// requests already sent finish, their retries included, bounded by CallTimeout and
	// the attempt timeout. The run then returns its summary, with no error for the stop.
	// Unlike cancelling ctx, it abandons no request in flight.
	Stop <-chan struct{}
	// CallOptions apply to every call (retries, attempt timeout, longest Retry-After).
	CallOptions []CallOption
}

// UpdateLinks applies the same change to every id from ids, with bounded concurrency and
// one rate shared by all workers. Duplicate ids are done once. One failure never stops the
// others, except a failure that stops them all: see below.
//
// The rate adapts to the server: a 429 lowers it and some make every worker wait the
// Retry-After (never longer than WithMaxRetryWait allows); once 429s stop it climbs back,
// never above BulkOptions.Rate. See the adaptive rate in the README.
//
// When ctx is cancelled, the run stops within the time a request takes to notice, and
// every id it read is reported: done, failed, cancelled or not attempted. To stop without
// abandoning the requests in flight (on a signal, say), close BulkOptions.Stop instead.
//
// The run stops when continuing cannot succeed: a call fails with ErrAccessTokenExpired
// or ErrUnauthorized and the client cannot get a new token (New's fixed token,
// NewWithClientHeaders). That id is BulkFailed, requests in flight finish, every id read
// but not yet sent is BulkNotAttempted, and no more ids are read from ids (a resumed run
// picks them up). The error returned then wraps the cause, with the summary.
//
// Otherwise it returns the summary, and an error only if ids could not be read.
func (c *Client) UpdateLinks(ctx context.Context, ids IDSource, p UpdateParams, opts BulkOptions) (BulkSummary, error) {
	if _, err := p.body(); err != nil {
		return BulkSummary{}, err
	}
	if opts.LinkRatePerMinute == 0 {
		opts.LinkRatePerMinute = LinkPatchRatePerMinute
	}
	return c.bulk(ctx, ids, opts, http.MethodPatch, func(ctx context.Context, id string, co []CallOption) (*Link, error) {
		return c.UpdateLink(ctx, id, p, co...)
	})
}

// DeleteLinks deletes every id from ids, as UpdateLinks does its change. A link that
// answers 410 link_error.deleted counts as done: the goal, a deleted link, is met (this
// is what makes a resumed run safe).
func (c *Client) DeleteLinks(ctx context.Context, ids IDSource, opts BulkOptions) (BulkSummary, error) {
	opts.LinkRatePerMinute = 0 // MoneyKit limits DELETE per app only
	return c.bulk(ctx, ids, opts, http.MethodDelete, func(ctx context.Context, id string, co []CallOption) (*Link, error) {
		err := c.DeleteLink(ctx, id, co...)
		if errors.Is(err, ErrLinkDeleted) {
			return nil, nil
		}
		return nil, err
	})
}

// check refuses options that make no sense: only zero means "the default".
func (o BulkOptions) check() error {
	bad := func(name string, v float64) error {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("moneykit: bulk: %s %v is not a positive number (0 for the default)", name, v)
		}
		return nil
	}
	if o.CallTimeout < 0 {
		return fmt.Errorf("moneykit: bulk: CallTimeout %v is negative", o.CallTimeout)
	}
	if err := applyCallOptions(&callConfig{}, o.CallOptions); err != nil {
		return err // every call would fail the same way
	}
	return errors.Join(bad("Concurrency", float64(o.Concurrency)), bad("Rate", o.Rate),
		bad("Burst", float64(o.Burst)), bad("LinkRatePerMinute", o.LinkRatePerMinute))
}

type bulkOp func(ctx context.Context, id string, opts []CallOption) (*Link, error)

func (c *Client) bulk(ctx context.Context, ids IDSource, opts BulkOptions, method string, op bulkOp) (BulkSummary, error) {
	start := time.Now()
	if c == nil || c.doer == nil {
		return BulkSummary{}, ErrNoClient
	}
	if ctx == nil {
		return BulkSummary{}, errors.New("moneykit: bulk: nil context.Context")
	}
	if ids == nil {
		return BulkSummary{}, errors.New("moneykit: bulk: nil IDSource")
	}
	if err := opts.check(); err != nil {
		return BulkSummary{}, err
	}
	if opts.Concurrency == 0 {
		opts.Concurrency = 8
	}
	if opts.Rate == 0 {
		opts.Rate = AppRatePerMinute / 60.0
	}
	if opts.Burst == 0 {
		opts.Burst = 1
	}
	g := newRunGate(method, opts.Rate, opts.Burst, opts.Limiter)
	defer g.stop(nil)
	if opts.Stop != nil {
		go func() { // ends with the run at the latest (g.stop ends quitCtx)
			select {
			case <-opts.Stop:
				g.quit(errStopped)
			case <-g.quitCtx.Done():
			}
		}()
	}
	if opts.LinkRatePerMinute > 0 {
		// "4 per minute" allows the 4 at once, as MoneyKit's own window does.
		g.linkRL, g.burstL = rate.Limit(opts.LinkRatePerMinute/60), max(1, int(opts.LinkRatePerMinute))
	}
	canRefresh := refreshable(c.doer.creds)

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
	notSent := func(id string, why error) {
		report(BulkResult{LinkID: id, Status: BulkNotAttempted, Err: fmt.Errorf("moneykit: bulk: not sent: %w", why)})
	}
	do := func(id string) {
		if ctx.Err() != nil {
			notSent(id, runEnded(ctx))
			return
		}
		if err := g.quitting(); err != nil {
			notSent(id, err)
			return
		}
		cctx := ctx
		if opts.CallTimeout > 0 {
			var cancel context.CancelFunc
			cctx, cancel = context.WithTimeout(ctx, opts.CallTimeout)
			defer cancel()
		}
		cg := g.call()
		callOpts := append(opts.CallOptions[:len(opts.CallOptions):len(opts.CallOptions)], gateOption{cg})
		link, err := op(cctx, id, callOpts)
		switch {
		case err == nil:
			report(BulkResult{LinkID: id, Status: BulkDone, Link: link})
		case !cg.sent && notSentWhy(ctx, cctx, g, cg, opts.CallTimeout) != nil:
			notSent(id, notSentWhy(ctx, cctx, g, cg, opts.CallTimeout))
		case ctx.Err() != nil:
			report(BulkResult{LinkID: id, Status: BulkCancelled, Err: err})
		default:
			report(BulkResult{LinkID: id, Status: BulkFailed, Err: err})
			if !canRefresh && (errors.Is(err, ErrAccessTokenExpired) || errors.Is(err, ErrUnauthorized)) {
				g.stop(stopError(err))
			}
		}
	}

	work := make(chan string)
	var wg sync.WaitGroup
	for range opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				do(id)
			}
		}()
	}

	// The ids are read with a context that also ends when the run takes no more.
	feedCtx, stopFeed := context.WithCancel(ctx)
	defer stopFeed()
	defer context.AfterFunc(g.quitCtx, stopFeed)()
	var readErr error
feed:
	for g.quitting() == nil {
		id, ok, err := ids.Next(feedCtx)
		if err != nil && !errors.Is(err, io.EOF) {
			if feedCtx.Err() == nil {
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
			notSent(id, runEnded(ctx))
			break feed
		case <-g.quitCtx.Done():
			notSent(id, g.quitting())
			break feed
		}
	}
	close(work)
	wg.Wait()
	sum.RateLimited = g.rateLimited()
	sum.Elapsed = time.Since(start)
	var stopErr error
	if err := g.stopped(); err != nil {
		stopErr = fmt.Errorf("moneykit: bulk: %w", err)
	}
	return sum, errors.Join(stopErr, readErr)
}

// notSentWhy says why a call that sent nothing ended, when the cause is not the id's own
// (an invalid id, a token that could not be had): nil then.
func notSentWhy(ctx, cctx context.Context, g *runGate, cg *gate, timeout time.Duration) error {
	switch {
	case ctx.Err() != nil:
		return runEnded(ctx)
	case g.quitting() != nil:
		return g.quitting()
	case cctx.Err() != nil:
		return fmt.Errorf("CallTimeout (%v) passed: %w", timeout, cctx.Err())
	}
	return cg.waitErr // the rate limit could not grant a request in time, or the Limiter failed
}

// errStopped is why an id was not sent after BulkOptions.Stop was closed.
var errStopped = errors.New("run stopped: BulkOptions.Stop was closed")

// runEnded says that the run's context ended, and how.
func runEnded(ctx context.Context) error {
	return fmt.Errorf("the run's context ended: %w", ctx.Err())
}

// stopError is why a run stopped after err, a call refused for its credentials.
func stopError(err error) error {
	if errors.Is(err, ErrAccessTokenExpired) {
		return fmt.Errorf("run stopped: the access token expired; use client credentials (NewClientCredentials) for runs that outlast a token: %w", err)
	}
	return fmt.Errorf("run stopped: the credentials were refused and cannot be renewed: %w", err)
}

// refreshable reports whether creds can get a new token. expired("") names no token in
// use, so it drops none; it only answers whether a new one can be had.
func refreshable(creds credentials) bool { return creds.expired("") }
