package wrapper_test

import (
	"context"
	"fmt"
	"log"
	"sort"
	"strings"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// pagedIDs is an IDSource over a paged query of your database, so that a run over
// millions of links holds one page of ids at a time.
type pagedIDs struct {
	// fetch returns up to limit ids after the id after, in order: in SQL,
	// SELECT link_id FROM links WHERE link_id > $1 ORDER BY link_id LIMIT $2.
	fetch func(ctx context.Context, after string, limit int) ([]string, error)
	page  []string
	last  string
	pages int
}

func (p *pagedIDs) Next(ctx context.Context) (string, bool, error) {
	if len(p.page) == 0 {
		page, err := p.fetch(ctx, p.last, 4)
		if err != nil || len(page) == 0 {
			return "", false, err
		}
		p.page, p.pages = page, p.pages+1
	}
	id := p.page[0]
	p.page, p.last = p.page[1:], id
	return id, true, nil
}

// Feed a run from your database a page at a time.
func ExampleIDSource() {
	srv, c := fakeAPI()
	defer srv.Close()

	table := srv.LinkIDs() // stands in for your links table, sorted by link_id
	ids := &pagedIDs{fetch: func(_ context.Context, after string, limit int) ([]string, error) {
		rest := table[sort.SearchStrings(table, after+"\x00"):]
		return rest[:min(limit, len(rest))], nil
	}}
	sum, err := c.UpdateLinks(context.Background(), ids, wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("audited")},
		wrapper.BulkOptions{Rate: fakeAPIRate})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d links in %d pages: done %d, failed %d\n", len(table), ids.pages, sum.Done, sum.Failed)
	// Output: 9 links in 3 pages: done 6, failed 3
}

// Read the ids from a file, one a line. A byte order mark, surrounding spaces, CRLF line
// ends, blank lines and # comments are taken care of.
func ExampleIDsFromReader() {
	srv, c := fakeAPI()
	defer srv.Close()

	// Stands in for f, err := os.Open("closed-accounts.txt"), as saved by a spreadsheet.
	f := strings.NewReader("\ufeff# closed accounts, November\r\n" + moneykittest.SeedLinkID + "\r\n\r\n  mk_4NwQa7ZrTb1XyEhK8sJdLc  \r\n")
	sum, err := c.DeleteLinks(context.Background(), wrapper.IDsFromReader(f), wrapper.BulkOptions{
		Rate:        fakeAPIRate,
		Concurrency: 1, // one at a time: the output keeps the file's order
		OnResult:    func(r wrapper.BulkResult) { fmt.Printf("%q %v\n", r.LinkID, r.Status) },
	})
	fmt.Println(sum.Done, err)
	// Output:
	// "mk_eqkWN34UEoa2NxyALG8pcV" done
	// "mk_4NwQa7ZrTb1XyEhK8sJdLc" done
	// 2 <nil>
}

// Feed a run from another goroutine, as a queue consumer would, and close the channel
// when the queue is drained. The producer also stops when ctx ends, so that it is not
// left blocked if the run stops reading early.
func ExampleIDsFromChan() {
	srv, c := fakeAPI()
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	ch := make(chan string)
	go func() {
		defer close(ch)
		for _, id := range []string{moneykittest.SeedLinkID, "mk_4NwQa7ZrTb1XyEhK8sJdLc"} { // messages from your queue
			select {
			case ch <- id:
			case <-ctx.Done():
				return
			}
		}
	}()
	sum, err := c.DeleteLinks(ctx, wrapper.IDsFromChan(ch), wrapper.BulkOptions{Rate: fakeAPIRate})
	fmt.Println(sum.Done, err)
	// Output: 2 <nil>
}

// Send again, in a second run, the ids the first one left to do.
func ExampleIDsFromSlice() {
	srv, c := fakeAPI()
	defer srv.Close()
	ctx := context.Background()

	var again []string
	opts := wrapper.BulkOptions{
		Rate:        fakeAPIRate,
		CallOptions: []wrapper.CallOption{wrapper.WithMaxRetries(0)},
		OnResult: func(r wrapper.BulkResult) { // called one at a time
			if r.Status != wrapper.BulkDone {
				again = append(again, r.LinkID)
			}
		},
	}
	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultHTML502})
	first, err := c.DeleteLinks(ctx, wrapper.IDsFromSlice([]string{moneykittest.SeedLinkID, "mk_4NwQa7ZrTb1XyEhK8sJdLc"}), opts)
	if err != nil {
		log.Fatal(err)
	}
	opts.OnResult = nil
	second, err := c.DeleteLinks(ctx, wrapper.IDsFromSlice(again), opts)
	fmt.Printf("first run: done %d, failed %d; second run: done %d, %v\n", first.Done, first.Failed, second.Done, err)
	// Output: first run: done 1, failed 1; second run: done 1, <nil>
}
