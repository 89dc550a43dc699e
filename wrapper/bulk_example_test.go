package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"log"
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
