package wrapper_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// slotStore stands in for a store that several processes reach, such as Redis or a
// database row. It keeps, per key, the time of the next free slot; reserve takes that
// slot and moves it on by one interval, in one atomic step (in Redis, a short Lua script;
// in SQL, an UPDATE ... RETURNING).
type slotStore struct {
	mu       sync.Mutex
	next     map[string]time.Time
	interval time.Duration
	granted  int
}

func (s *slotStore) reserve(key string, now time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	slot := s.next[key]
	if slot.Before(now) {
		slot = now
	}
	s.next[key] = slot.Add(s.interval)
	s.granted++
	return slot
}

// sharedLimiter is a wrapper.Limiter over the store: every process that uses it shares
// one limit per key.
type sharedLimiter struct{ store *slotStore }

func (l sharedLimiter) Wait(ctx context.Context, key string) error {
	select {
	case <-time.After(time.Until(l.store.reserve(key, time.Now()))):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Several processes share MoneyKit's per-app limit through a Limiter backed by a store
// they all reach. Here two runs, as two processes would, delete links through one store.
func ExampleLimiter() {
	srv, _ := fakeAPI()
	defer srv.Close()
	// MoneyKit allows 600 DELETE per minute per app: one each 100 ms. This example uses
	// 5 ms to run fast.
	store := &slotStore{next: map[string]time.Time{}, interval: 5 * time.Millisecond}

	ids := srv.LinkIDs()
	parts := [][]string{ids[:len(ids)/2], ids[len(ids)/2:]}
	sums := make([]wrapper.BulkSummary, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Add(1)
		go func() { // one process
			defer wg.Done()
			c, err := wrapper.New(srv.Token(), wrapper.WithBaseURL(srv.URL))
			if err != nil {
				log.Fatal(err)
			}
			sums[i], err = c.DeleteLinks(context.Background(), wrapper.IDsFromSlice(part), wrapper.BulkOptions{
				Rate:    1000, // this process's own ceiling; the store holds the shared limit
				Limiter: sharedLimiter{store},
			})
			if err != nil {
				log.Fatal(err)
			}
		}()
	}
	wg.Wait()
	handled := 0
	for _, s := range sums {
		handled += s.Done + s.Failed
	}
	fmt.Println("every link handled:", handled == len(ids))
	fmt.Println("every request granted by the store:", store.granted == len(srv.Requests()))
	// Output:
	// every link handled: true
	// every request granted by the store: true
}

// Stop a run gracefully, as on Ctrl-C: close BulkOptions.Stop. No more ids are read or
// sent, the requests already sent finish, and the summary counts every id read. In a
// program, Stop is the Done channel of signal.NotifyContext's context, and the run's own
// context stays uncancelled so that no request in flight is abandoned; here the run is
// stopped after its first id.
func ExampleBulkOptions_stop() {
	srv, c := fakeAPI()
	defer srv.Close()
	stop := make(chan struct{})
	var once sync.Once
	sum, err := c.DeleteLinks(context.Background(), wrapper.IDsFromSlice(srv.LinkIDs()), wrapper.BulkOptions{
		Concurrency: 1,
		Rate:        1, // one request a second: the next id waits, and is not sent
		Stop:        stop,
		OnResult:    func(wrapper.BulkResult) { once.Do(func() { close(stop) }) },
	})
	fmt.Println("done:", sum.Done, "requests sent:", len(srv.Requests()), "error:", err)
	// Output: done: 1 requests sent: 1 error: <nil>
}

// Rotate the webhook of many links at MoneyKit's rate limits; duplicates are done once and
// one failure does not stop the rest.
func ExampleClient_UpdateLinks() {
	srv, c := fakeAPI()
	defer srv.Close()

	ids := strings.NewReader(moneykittest.SeedLinkID + "\n" + "mk_4NwQa7ZrTb1XyEhK8sJdLc\n" + moneykittest.SeedLinkID + "\n" + "mk_unknown\n")
	sum, err := c.UpdateLinks(context.Background(), wrapper.IDsFromReader(ids), wrapper.UpdateParams{
		Webhook: wrapper.SetWebhook("https://new-domain.example.com/hooks/moneykit"),
	}, wrapper.BulkOptions{
		Rate: fakeAPIRate, // leave 0 against MoneyKit
		OnResult: func(r wrapper.BulkResult) {
			if r.Status == wrapper.BulkFailed {
				fmt.Println(r.LinkID, errors.Is(r.Err, wrapper.ErrNotFound))
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("done %d, failed %d, duplicate %d\n", sum.Done, sum.Failed, sum.Duplicate)
	// Output:
	// mk_unknown true
	// done 2, failed 1, duplicate 1
}

// Close customers' accounts: delete their links. A link deleted already counts as done,
// so the job is safe to run again; a link whose owner restricted it fails.
func ExampleClient_DeleteLinks() {
	srv, c := fakeAPI()
	defer srv.Close()

	ids := []string{moneykittest.SeedLinkID, moneykittest.DeletedLinkID, moneykittest.ForbiddenLinkID} // from your database
	for run := 1; run <= 2; run++ {
		sum, err := c.DeleteLinks(context.Background(), wrapper.IDsFromSlice(ids), wrapper.BulkOptions{Rate: fakeAPIRate})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("run %d: done %d, failed %d\n", run, sum.Done, sum.Failed)
	}
	// Output:
	// run 1: done 2, failed 1
	// run 2: done 2, failed 1
}

// Write a report line for each link as its outcome comes in.
func ExampleBulkResult() {
	srv, c := fakeAPI()
	defer srv.Close()

	report := csv.NewWriter(os.Stdout)
	ids := wrapper.IDsFromSlice([]string{moneykittest.SeedLinkID, moneykittest.BadStateLinkID})
	_, err := c.UpdateLinks(context.Background(), ids, wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("q4-review")}, wrapper.BulkOptions{
		Rate:        fakeAPIRate,
		Concurrency: 1, // one at a time: the report keeps the order of the ids
		OnResult: func(r wrapper.BulkResult) {
			institution, why := "", ""
			if r.Link != nil {
				institution = r.Link.InstitutionName
			}
			if r.Err != nil {
				why = r.Err.Error()
			}
			_ = report.Write([]string{r.LinkID, r.Status.String(), institution, why}) // an error is kept: report.Error below
		},
	})
	report.Flush()
	if err := errors.Join(err, report.Error()); err != nil {
		log.Fatal(err)
	}
	// Output:
	// mk_eqkWN34UEoa2NxyALG8pcV,done,Chase,
	// mk_3JpYc8UuGv5nKsW0oQeRzT,failed,,moneykit: PATCH /links/mk_3JpYc8UuGv5nKsW0oQeRzT: 422 link_error.bad_state: The link is not in a state that allows this change. (link_error_code auth_expired)
}

// Decide, id by id, what a run leaves to do: send again what failed for a passing reason,
// hand the rest to a person.
func ExampleBulkStatus() {
	srv, c := fakeAPI()
	defer srv.Close()

	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: http.StatusServiceUnavailable})
	ids := wrapper.IDsFromSlice([]string{moneykittest.SeedLinkID, moneykittest.ForbiddenLinkID, moneykittest.DeletedLinkID})
	_, err := c.DeleteLinks(context.Background(), ids, wrapper.BulkOptions{
		Rate:        fakeAPIRate,
		Concurrency: 1, // one at a time, so that the fault meets the first id
		CallOptions: []wrapper.CallOption{wrapper.WithMaxRetries(0)},
		OnResult: func(r wrapper.BulkResult) {
			var e *wrapper.Error
			switch {
			case r.Status == wrapper.BulkDone:
				fmt.Println(r.LinkID, "deleted")
			case r.Status == wrapper.BulkNotAttempted, r.Status == wrapper.BulkCancelled,
				r.Status == wrapper.BulkFailed && errors.As(r.Err, &e) && e.Temporary():
				fmt.Println(r.LinkID, "send again")
			case r.Status == wrapper.BulkFailed:
				fmt.Println(r.LinkID, "for a person:", r.Err)
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// mk_eqkWN34UEoa2NxyALG8pcV send again
	// mk_7Hq2RkCw9dXfPzLmA1bVtE for a person: moneykit: DELETE /links/mk_7Hq2RkCw9dXfPzLmA1bVtE: 403 link_error.forbidden_action: Accounts access not permitted
	// mk_9TfLx4DhMa2BbYcNq6WsUg deleted
}

// Keep a journal, one "id<TAB>status" line an outcome, and resume from it: the ids it
// says are done are skipped.
func ExampleBulkStatus_String() {
	srv, c := fakeAPI()
	defer srv.Close()
	ctx := context.Background()

	ids := []string{moneykittest.SeedLinkID, "mk_4NwQa7ZrTb1XyEhK8sJdLc"}
	var journal strings.Builder // in production, a file opened with os.O_APPEND
	opts := wrapper.BulkOptions{
		Rate:        fakeAPIRate,
		Concurrency: 1,
		CallOptions: []wrapper.CallOption{wrapper.WithMaxRetries(0)},
		OnResult:    func(r wrapper.BulkResult) { fmt.Fprintf(&journal, "%s\t%s\n", r.LinkID, r.Status) },
	}
	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: http.StatusServiceUnavailable})
	if _, err := c.DeleteLinks(ctx, wrapper.IDsFromSlice(ids), opts); err != nil {
		log.Fatal(err)
	}
	fmt.Print(journal.String())

	done := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(journal.String()), "\n") {
		id, status, _ := strings.Cut(line, "\t")
		done[id] = status == wrapper.BulkDone.String()
	}
	opts.Skip = func(id string) bool { return done[id] }
	sum, err := c.DeleteLinks(ctx, wrapper.IDsFromSlice(ids), opts)
	fmt.Printf("resumed: done %d, skipped %d, err %v\n", sum.Done, sum.Skipped, err)
	// Output:
	// mk_eqkWN34UEoa2NxyALG8pcV	failed
	// mk_4NwQa7ZrTb1XyEhK8sJdLc	done
	// resumed: done 1, skipped 1, err <nil>
}

// End a scheduled job with an exit status: non-zero when any link is left to do.
func ExampleBulkSummary() {
	srv, c := fakeAPI()
	defer srv.Close()

	ids := wrapper.IDsFromSlice([]string{moneykittest.SeedLinkID, "mk_unknown", moneykittest.SeedLinkID})
	sum, err := c.DeleteLinks(context.Background(), ids, wrapper.BulkOptions{Rate: fakeAPIRate})
	fmt.Printf("done %d, failed %d, duplicate %d, not attempted %d, cancelled %d, 429s %d\n",
		sum.Done, sum.Failed, sum.Duplicate, sum.NotAttempted, sum.Cancelled, sum.RateLimited)
	exit := 0
	if err != nil || sum.Failed+sum.NotAttempted+sum.Cancelled > 0 {
		exit = 1
	}
	fmt.Println("exit status", exit) // os.Exit(exit)
	// Output:
	// done 1, failed 1, duplicate 1, not attempted 0, cancelled 0, 429s 0
	// exit status 1
}
