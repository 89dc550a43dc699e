package wrapper_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// benchRate is the server's limit in these benchmarks: 100 PATCH per second per app,
// burst 10, and 4 per minute per link (MoneyKit's per-link limit).
const (
	benchRate  = 100
	benchBurst = 10
)

// BenchmarkBulkAtRateLimit: 2,000 links against the fake with MoneyKit-style limits set
// to 100 requests per second (burst 10) and 4 PATCH per minute per link, the client set
// to the same rate. It reports goodput as a share of the permitted rate, the share of
// requests answered 429, and ids lost or done twice. Run with -benchtime=1x (make
// bench-bulk); a run takes ~20 s.
func BenchmarkBulkAtRateLimit(b *testing.B) {
	for _, faults := range []float64{0, 0.02} {
		b.Run(fmt.Sprintf("faults=%v", faults), func(b *testing.B) {
			for b.Loop() {
				benchBulk(b, bulkBench{n: 2000, faults: faults, rate: benchRate})
			}
		})
	}
}

// BenchmarkBulkAdaptive: the client's rate set above what the server allows.
//
//   - over=2x: 4,000 links, the client configured at twice the server's limit (burst
//     1). Targets: goodput >= 95% of the server's limit, <= 2% of requests answered 429,
//     no id failed.
//   - burst=equal: 2,000 links, the client at the server's rate with the server's burst.
//     Target: elapsed <= 1.2x the ideal, the time the server needs to admit them all
//     ((n - burst) / rate).
//
// Run with -benchtime=1x (make bench-bulk); the two take ~60 s together.
func BenchmarkBulkAdaptive(b *testing.B) {
	for _, c := range []struct {
		name string
		bulkBench
	}{
		{"over=2x", bulkBench{n: 4000, rate: 2 * benchRate}},
		{"burst=equal", bulkBench{n: 2000, rate: benchRate, burst: benchBurst}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				benchBulk(b, c.bulkBench)
			}
		})
	}
}

// bulkBench is one run: n links, the share of requests answered 503 at random, and the
// client's rate and burst.
type bulkBench struct {
	n           int
	faults      float64
	rate        float64
	burst       int
	concurrency int
}

func benchBulk(b *testing.B, c bulkBench) {
	srv, err := moneykittest.NewServer(moneykittest.WithoutSeed(), moneykittest.WithRateLimits(moneykittest.RateLimits{
		PatchPerApp: benchRate * 60, PatchPerLink: 4, Per: time.Minute, AppBurst: benchBurst,
	}))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	ids := addLinks(b, srv.Fake, c.n)
	if c.faults > 0 {
		srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 503, Times: -1, Probability: c.faults})
	}
	client, err := wrapper.New(srv.Token(), wrapper.WithBaseURL(srv.URL), wrapper.WithRetryBackoff(50*time.Millisecond, time.Second))
	if err != nil {
		b.Fatal(err)
	}
	if c.concurrency == 0 {
		c.concurrency = 16
	}
	sum, err := client.UpdateLinks(context.Background(), wrapper.IDsFromSlice(ids), wrapper.UpdateParams{Webhook: wrapper.SetWebhook("https://moved.example.com/hook")},
		wrapper.BulkOptions{Concurrency: c.concurrency, Rate: c.rate, Burst: c.burst})
	if err != nil {
		b.Fatal(err)
	}
	ok, twice, n429, total := 0, 0, 0, 0
	for _, count := range okPatches(srv) {
		ok++
		if count > 1 {
			twice++
		}
	}
	for _, r := range srv.Requests() {
		total++
		if r.Status == 429 {
			n429++
		}
	}
	lost := c.n - sum.Done - sum.Failed
	if lost != 0 || twice != 0 || ok != sum.Done {
		b.Errorf("lost %d, done twice %d, server saw %d done, summary %+v", lost, twice, ok, sum)
	}
	goodput := float64(sum.Done) / sum.Elapsed.Seconds()
	ideal := float64(c.n-benchBurst) / benchRate
	b.ReportMetric(100*goodput/benchRate, "goodput-%")
	b.ReportMetric(100*float64(n429)/float64(total), "429-%")
	b.ReportMetric(float64(sum.Failed), "failed")
	b.ReportMetric(float64(lost+twice), "lost+twice")
	b.ReportMetric(float64(total), "requests")
	b.ReportMetric(sum.Elapsed.Seconds()/ideal, "x-ideal")
}

// okPatches counts the PATCH requests answered 200, per link.
func okPatches(srv *moneykittest.Server) map[string]int {
	m := map[string]int{}
	for _, r := range srv.Requests() {
		if r.Method == "PATCH" && r.Status == 200 {
			m[r.LinkID]++
		}
	}
	return m
}
