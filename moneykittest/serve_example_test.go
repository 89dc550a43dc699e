package moneykittest_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// New gives the fake as an http.Handler, to serve as you need: here over TLS, which the
// client takes from the test server's *http.Client.
func ExampleNew() {
	f, err := moneykittest.New()
	if err != nil {
		log.Fatal(err)
	}
	hs := httptest.NewTLSServer(f)
	defer hs.Close()
	defer f.Close() // before hs.Close, which waits for requests in flight
	c, err := wrapper.New(f.Token(), wrapper.WithBaseURL(hs.URL), wrapper.WithHTTPClient(hs.Client()))
	if err != nil {
		log.Fatal(err)
	}

	err = c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
	fmt.Println(strings.HasPrefix(hs.URL, "https://"), err)
	// Output: true <nil>
}

// A Fake needs no network: call it in-process with an httptest.ResponseRecorder.
func ExampleFake() {
	f, err := moneykittest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	req := httptest.NewRequest(http.MethodPatch, "/links/"+moneykittest.SeedLinkID, strings.NewReader(`{"link_tags": ["vip"]}`))
	req.Header.Set("Authorization", "Bearer "+f.Token())
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, req)

	link, ok := f.Link(moneykittest.SeedLinkID)
	if !ok {
		log.Fatal("the link is gone")
	}
	fmt.Println(rec.Code, *link.LinkTags)
	// Output: 200 [vip]
}

// Mount the fake in a mux of your own, beside the other services your code calls; the
// client keeps the base URL's path.
func ExampleFake_ServeHTTP() {
	f, err := moneykittest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	mux := http.NewServeMux()
	mux.Handle("/moneykit/", http.StripPrefix("/moneykit", f))
	mux.HandleFunc("/billing/", http.NotFound) // another fake your code talks to
	hs := httptest.NewServer(mux)
	defer hs.Close()

	c, err := wrapper.New(f.Token(), wrapper.WithBaseURL(hs.URL+"/moneykit"))
	if err != nil {
		log.Fatal(err)
	}
	err = rotateWebhook(context.Background(), c, moneykittest.SeedLinkID, "https://example.com/hook")
	fmt.Println(err, f.Requests()[0].Path)
	// Output: <nil> /links/mk_eqkWN34UEoa2NxyALG8pcV
}

// Close ends the injected delays that hold requests, so that whatever serves the Fake can
// shut down: the request held is answered 503 at once, not processed.
func ExampleFake_Close() {
	f, err := moneykittest.New()
	if err != nil {
		log.Fatal(err)
	}
	f.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultDelay, Latency: time.Hour})
	req := httptest.NewRequest(http.MethodDelete, "/links/"+moneykittest.SeedLinkID, nil)
	req.Header.Set("Authorization", "Bearer "+f.Token())
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { defer close(done); f.ServeHTTP(rec, req) }()

	f.Close()
	<-done
	link, _ := f.Link(moneykittest.SeedLinkID)
	fmt.Println(rec.Code, link.State)
	// Output: 503 connected
}
