package wrapper_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// BenchmarkBulkAtRateLimit: 2,000 links against the fake with MoneyKit-style limits set
// to 100 requests per second (burst 10) and 4 PATCH per minute per link. It reports
// goodput as a share of the permitted rate, the share of requests answered 429, and ids
// lost or done twice. Run with -benchtime=1x (make bench-bulk); a run takes ~20 s.
func BenchmarkBulkAtRateLimit(b *testing.B) {
	for _, faults := range []float64{0, 0.02} {
		b.Run(fmt.Sprintf("faults=%v", faults), func(b *testing.B) {
			for b.Loop() {
				benchBulk(b, 2000, faults)
			}
		})
	}
}

func benchBulk(b *testing.B, n int, faultRate float64) {
	const perSecond = 100
	srv, err := moneykittest.NewServer(moneykittest.WithoutSeed(), moneykittest.WithRateLimits(moneykittest.RateLimits{
		PatchPerApp: perSecond * 60, PatchPerLink: 4, Per: time.Minute, AppBurst: 10,
	}))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	ids := addLinks(b, srv, n)
	if faultRate > 0 {
		srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 503, Times: -1, Probability: faultRate})
	}
	client, err := wrapper.New(srv.Token(), wrapper.WithBaseURL(srv.URL), wrapper.WithRetryBackoff(50*time.Millisecond, time.Second))
	if err != nil {
		b.Fatal(err)
	}
	sum, err := client.UpdateLinks(context.Background(), wrapper.IDsFromSlice(ids), wrapper.UpdateParams{Webhook: wrapper.SetWebhook("https://moved.example.com/hook")},
		wrapper.BulkOptions{Concurrency: 16, Rate: perSecond})
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
	lost := n - sum.Done - sum.Failed
	if lost != 0 || twice != 0 || ok != sum.Done {
		b.Errorf("lost %d, done twice %d, server saw %d done, summary %+v", lost, twice, ok, sum)
	}
	goodput := float64(sum.Done) / sum.Elapsed.Seconds()
	b.ReportMetric(100*goodput/perSecond, "goodput-%")
	b.ReportMetric(100*float64(n429)/float64(total), "429-%")
	b.ReportMetric(float64(sum.Failed), "failed")
	b.ReportMetric(float64(lost+twice), "lost+twice")
	b.ReportMetric(float64(total), "requests")
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
