package wrapper_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// addLinks adds n plain links mk_bulk_0000.. to srv.
func addLinks(tb testing.TB, srv *moneykittest.Fake, n int) []string {
	tb.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("mk_bulk_%04d", i)
		if err := srv.AddLink(api.Link{LinkID: ids[i], InstitutionID: "chase", InstitutionName: "Chase",
			InstitutionAvatar: "https://example.com/a.png", State: api.LinkStateConnected, Provider: api.ProviderMx, AvailableProducts: []api.Product{}}); err != nil {
			tb.Fatal(err)
		}
	}
	return ids
}

func perID(srv *moneykittest.Fake, method string) map[string]int {
	m := map[string]int{}
	for _, r := range srv.Requests() {
		if r.Method == method {
			m[r.LinkID]++
		}
	}
	return m
}

type collector struct {
	mu  sync.Mutex
	got map[string][]wrapper.BulkStatus
}

func (c *collector) add(r wrapper.BulkResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.got == nil {
		c.got = map[string][]wrapper.BulkStatus{}
	}
	c.got[r.LinkID] = append(c.got[r.LinkID], r.Status)
}

func TestUpdateLinksDoesEachIDOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c, ids := bulkEnv(t, 60, nil)
		input := append(append([]string{}, ids...), ids[:10]...) // 10 duplicates
		input = append(input, "mk_missing_1", "mk_missing_2")    // two that fail
		var col collector
		sum, err := c.UpdateLinks(context.Background(), wrapper.IDsFromSlice(input),
			wrapper.UpdateParams{Webhook: wrapper.SetWebhook("https://new.example.com/hook")},
			wrapper.BulkOptions{Concurrency: 6, Rate: 1000, Burst: 10, OnResult: col.add})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Done != 60 || sum.Duplicate != 10 || sum.Failed != 2 {
			t.Errorf("summary = %+v", sum)
		}
		for id, n := range perID(srv.Fake, "PATCH") {
			if n != 1 {
				t.Errorf("%s sent %d times", id, n)
			}
		}
		for _, id := range ids {
			l, _ := srv.Link(id)
			if v, err := l.Webhook.Get(); err != nil || v != "https://new.example.com/hook" {
				t.Errorf("%s not updated", id)
			}
		}
		if len(col.got) != 62 || len(col.got["mk_bulk_0003"]) != 2 || col.got["mk_missing_1"][0] != wrapper.BulkFailed {
			t.Errorf("results: %d ids, mk_bulk_0003 %v", len(col.got), col.got["mk_bulk_0003"])
		}
	})
}

func TestDeleteLinksCountsGoneAsDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c, ids := bulkEnv(t, 20, nil)
		if err := c.DeleteLink(context.Background(), ids[0]); err != nil {
			t.Fatal(err)
		}
		srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultHTML502, Times: 3})
		sum, err := c.DeleteLinks(context.Background(), wrapper.IDsFromReader(strings.NewReader("# closed account 42\n"+strings.Join(ids, "\n")+"\n\n")),
			wrapper.BulkOptions{Rate: 1000, Burst: 5})
		if err != nil || sum.Done != 20 || sum.Failed != 0 {
			t.Errorf("summary = %+v, err %v", sum, err)
		}
		for _, id := range ids {
			if l, _ := srv.Link(id); l.State != api.LinkStateDeleted {
				t.Errorf("%s not deleted", id)
			}
		}
	})
}

// The shared limiter holds the rate; a 429 with Retry-After pauses every worker for it.
func TestBulkRateAndSharedBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c, ids := bulkEnv(t, 40, nil)
		start := time.Now()
		sum, err := c.DeleteLinks(context.Background(), wrapper.IDsFromSlice(ids[:20]), wrapper.BulkOptions{Concurrency: 8, Rate: 20, Burst: 1})
		if err != nil || sum.Done != 20 {
			t.Fatalf("summary %+v err %v", sum, err)
		}
		// One at once, then one every 50 ms.
		if d, want := time.Since(start), 19*time.Second/20; d < want || d > want+time.Millisecond {
			t.Errorf("20 deletes at 20/s took %v, want %v: the rate was not held", d, want)
		}

		srv.ResetRequests()
		srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter("1"), Body: rateLimitBody})
		const concurrency = 8
		sum, err = c.DeleteLinks(context.Background(), wrapper.IDsFromSlice(ids[20:]), wrapper.BulkOptions{Concurrency: concurrency, Rate: 1000, Burst: 8})
		if err != nil || sum.Done != 20 || sum.RateLimited != 1 {
			t.Fatalf("summary %+v err %v", sum, err)
		}
		reqs := srv.Requests()
		var limited time.Time
		for _, r := range reqs {
			if r.Status == 429 {
				limited = r.Time
			}
		}
		// Requests already in flight when the 429 came back (at most Concurrency-1 others)
		// went at its instant; every other one, the limited id's own retry included, waits
		// out the shared pause of the Retry-After, 1 s. Without the pause all 19 others would
		// follow at once.
		inFlight, next := 0, time.Duration(0)
		for _, r := range reqs {
			switch d := r.Time.Sub(limited); {
			case d == 0 && r.Status != 429:
				inFlight++
			case d > 0 && (next == 0 || d < next):
				next = d
			}
		}
		if inFlight > concurrency-1 || next != time.Second {
			t.Errorf("%d requests at the 429's instant, the next %v after it; want at most %d, then the shared pause of 1 s", inFlight, next, concurrency-1)
		}
	})
}

func TestBulkCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c, ids := bulkEnv(t, 200, nil)
		srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultDelay, Latency: 200 * time.Millisecond, Times: -1})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(500*time.Millisecond, cancel)
		var col collector
		start := time.Now()
		ch := make(chan string)
		go func() {
			defer close(ch)
			for _, id := range ids {
				select {
				case ch <- id:
				case <-ctx.Done():
					return
				}
			}
		}()
		sum, err := c.UpdateLinks(ctx, wrapper.IDsFromChan(ch), wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("x")},
			wrapper.BulkOptions{Concurrency: 4, Rate: 1000, Burst: 4, OnResult: col.add})
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 500*time.Millisecond {
			t.Errorf("stopped %v after the start, want at the cancel, 500ms", d)
		}
		if sum.Done == 0 || sum.Cancelled+sum.NotAttempted == 0 || sum.Done+sum.Cancelled+sum.NotAttempted+sum.Failed != len(col.got) {
			t.Errorf("summary = %+v, %d ids reported", sum, len(col.got))
		}
		for id, st := range col.got {
			if len(st) != 1 {
				t.Errorf("%s reported %v", id, st)
			}
		}
	})
}

// IDsFromReader reads ids under the line rule of ids files: a BOM (a file saved by
// Notepad), CRLF, surrounding spaces, blank and # lines, and an over-long line reported
// with its number. The input comes through a pipe, as stdin does.
func TestIDsFromReaderLineRule(t *testing.T) {
	long := strings.Repeat("k", wrapper.MaxLinkIDLen+2000)
	for _, tc := range []struct {
		name, in string
		want     []string
		err      string // in the error after the ids
	}{
		{"BOM and CRLF", "\ufeffmk_bom_1\r\nmk_2\r\n", []string{"mk_bom_1", "mk_2"}, ""},
		{"spaces, blank and # lines, no last \\n", "  mk_a \n\n# note\n\tmk_b\t\n   \nmk_c", []string{"mk_a", "mk_b", "mk_c"}, ""},
		{"a BOM only at the start", "mk_a\n\ufeffmk_b\n", []string{"mk_a", "\ufeffmk_b"}, ""},
		{"over-long line", "mk_a\n\n" + long + "\nmk_b\n", []string{"mk_a"}, "line 3: line too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := wrapper.IDsFromReader(pipeReader(tc.in))
			var got []string
			for {
				id, ok, err := src.Next(context.Background())
				if err != nil {
					if tc.err == "" || !strings.Contains(err.Error(), tc.err) {
						t.Errorf("error %v, want one with %q", err, tc.err)
					}
					break
				}
				if !ok {
					if tc.err != "" {
						t.Errorf("no error; want one with %q", tc.err)
					}
					break
				}
				got = append(got, id)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("ids %.60q, want %q", got, tc.want)
			}
		})
	}
}

// pipeReader yields s through a pipe, in one write, then closes it.
func pipeReader(s string) io.Reader {
	r, w := io.Pipe()
	go func() { io.WriteString(w, s); w.Close() }()
	return r
}

// A bulk run over IDsFromReader(os.Stdin) (a pipe that stays open) must end when its
// context is cancelled, as UpdateLinks documents ("When ctx is cancelled, the run stops"),
// or when BulkOptions.Stop is closed, even while reading the ids blocks.
func TestIDsFromReaderObeysContext(t *testing.T) {
	for _, byStop := range []bool{false, true} {
		t.Run(fmt.Sprintf("stop %v", byStop), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				_, c, ids := bulkEnv(t, 1, nil)
				pr, pw := io.Pipe()
				defer pw.Close()
				go func() { io.WriteString(pw, ids[0]+"\n") }() // one id, then the pipe stays open
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				stop := make(chan struct{})
				done := make(chan wrapper.BulkSummary, 1)
				go func() {
					sum, _ := c.DeleteLinks(ctx, wrapper.IDsFromReader(pr), wrapper.BulkOptions{Rate: 1000, Stop: stop})
					done <- sum
				}()
				synctest.Wait() // the id is done; the run waits for the next line
				if byStop {
					close(stop)
				} else {
					cancel()
				}
				select {
				case sum := <-done:
					if sum.Done != 1 {
						t.Errorf("summary %+v: the id before the blocked read was not done", sum)
					}
				case <-time.After(2 * time.Second):
					t.Fatal("DeleteLinks still blocked reading ids 2 s after it was told to stop")
				}
			})
		})
	}
}
