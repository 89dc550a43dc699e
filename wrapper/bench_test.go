package wrapper_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/spec"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// Per-call overhead, measured against the floor: the same HTTP exchange done with plain
// net/http + encoding/json and nothing else. One handler serves every variant; each
// variant has its own keep-alive transport. `make bench` prints the ratios.

// plainLink is what a hand-written client would decode the link into.
type plainLink struct {
	LinkID            string                   `json:"link_id"`
	InstitutionID     string                   `json:"institution_id"`
	InstitutionName   string                   `json:"institution_name"`
	InstitutionAvatar string                   `json:"institution_avatar"`
	State             string                   `json:"state"`
	ErrorCode         *string                  `json:"error_code"`
	LastSyncedAt      *time.Time               `json:"last_synced_at"`
	Provider          *string                  `json:"provider"`
	Tags              []string                 `json:"tags"`
	LinkTags          []string                 `json:"link_tags"`
	Webhook           *string                  `json:"webhook"`
	Products          map[string]*plainProduct `json:"products"`
	AvailableProducts []string                 `json:"available_products"`
}

type plainProduct struct {
	RefreshedAt     *time.Time `json:"refreshed_at"`
	LastAttemptedAt *time.Time `json:"last_attempted_at"`
	ErrorCode       *string    `json:"error_code"`
	ErrorMessage    *string    `json:"error_message"`
	Unavailable     *string    `json:"unavailable"`
}

type plainUpdate struct {
	Webhook  *string  `json:"webhook,omitempty"`
	LinkTags []string `json:"link_tags,omitempty"`
}

// benchLinkBody is the reference 200 body as the spec's example gives it (RFC 3339
// timestamps, which the plain struct's time.Time can parse too).
func benchLinkBody(b *testing.B) []byte {
	b.Helper()
	doc, err := spec.GetSpec()
	if err != nil {
		b.Fatal(err)
	}
	body, err := json.Marshal(doc.Components.Examples["Link"].Value.Value)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

func benchServer(b *testing.B) (*httptest.Server, []byte) {
	b.Helper()
	body := benchLinkBody(b)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodDelete {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte("{}"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv, body
}

func benchTransport(b *testing.B) *http.Client {
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

const benchHook = "https://example.com/updated/hook"

// floorUpdate is the whole exchange with nothing but net/http and encoding/json.
func floorUpdate(ctx context.Context, hc *http.Client, base, token string) (*plainLink, error) {
	hook := benchHook
	body, err := json.Marshal(plainUpdate{Webhook: &hook, LinkTags: []string{"smoke_test", "user_type:admin"}})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, base+"/links/"+linkID, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("MoneyKit-Version", "2023-02-18")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var link plainLink
	if err := json.NewDecoder(resp.Body).Decode(&link); err != nil {
		return nil, err
	}
	return &link, nil
}

func floorDelete(ctx context.Context, hc *http.Client, base, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, base+"/links/"+linkID, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("MoneyKit-Version", "2023-02-18")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err
}

type benchClients struct {
	base    string
	floor   *http.Client
	gen     *api.Client
	wrapped *wrapper.Client
}

func newBenchClients(b *testing.B) benchClients {
	srv, _ := benchServer(b)
	gen, err := api.NewClient(srv.URL, api.WithHTTPClient(benchTransport(b)), api.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+testToken)
		return nil
	}))
	if err != nil {
		b.Fatal(err)
	}
	w, err := wrapper.New(testToken, wrapper.WithBaseURL(srv.URL), wrapper.WithHTTPClient(benchTransport(b)))
	if err != nil {
		b.Fatal(err)
	}
	return benchClients{base: srv.URL, floor: benchTransport(b), gen: gen, wrapped: w}
}

var benchParams = wrapper.UpdateParams{
	Webhook:  wrapper.SetWebhook(benchHook),
	LinkTags: wrapper.SetLinkTags("smoke_test", "user_type:admin"),
}

func (c benchClients) update(variant string) func(context.Context) error {
	version := api.MoneyKitVersionN20230218
	switch variant {
	case "floor":
		return func(ctx context.Context) error { _, err := floorUpdate(ctx, c.floor, c.base, testToken); return err }
	case "generated":
		tags := []string{"smoke_test", "user_type:admin"}
		return func(ctx context.Context) error {
			body := api.UpdateLinkRequest{Webhook: nullable.NewNullableWithValue(benchHook), LinkTags: &tags}
			rsp, err := c.gen.UpdateLink(ctx, linkID, &api.UpdateLinkParams{MoneyKitVersion: &version}, body)
			return parsed(rsp, err, api.ParseUpdateLinkResponse)
		}
	default:
		return func(ctx context.Context) error { _, err := c.wrapped.UpdateLink(ctx, linkID, benchParams); return err }
	}
}

func (c benchClients) delete(variant string) func(context.Context) error {
	version := api.MoneyKitVersionN20230218
	switch variant {
	case "floor":
		return func(ctx context.Context) error { return floorDelete(ctx, c.floor, c.base, testToken) }
	case "generated":
		return func(ctx context.Context) error {
			rsp, err := c.gen.DeleteLink(ctx, linkID, &api.DeleteLinkParams{MoneyKitVersion: &version})
			return parsed(rsp, err, api.ParseDeleteLinkResponse)
		}
	default:
		return func(ctx context.Context) error { return c.wrapped.DeleteLink(ctx, linkID) }
	}
}

// parsed finishes a call of the generated client as its users would: it parses the answer.
func parsed[R any](rsp *http.Response, err error, parse func(*http.Response) (R, error)) error {
	if err != nil {
		return err
	}
	defer rsp.Body.Close()
	_, err = parse(rsp)
	return err
}

var benchVariants = []string{"floor", "generated", "wrapper"}

// benchCtx is the context every variant gets: one deadline for the whole sub-benchmark,
// as a service's request context has. BenchmarkNoDeadline measures the case without.
func benchCtx(b *testing.B) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wrapper.DefaultAttemptTimeout/2)
	b.Cleanup(cancel)
	return ctx
}

func runBench(b *testing.B, op func(benchClients, string) func(context.Context) error) {
	c := newBenchClients(b)
	ctx := context.Background()
	for _, v := range benchVariants {
		fn := op(c, v)
		if err := fn(ctx); err != nil { // warm the connection, and fail fast
			b.Fatalf("%s: %v", v, err)
		}
		b.Run("mode=serial/impl="+v, func(b *testing.B) {
			ctx := benchCtx(b)
			b.ReportAllocs()
			for b.Loop() {
				if err := fn(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("mode=parallel/impl="+v, func(b *testing.B) {
			ctx := benchCtx(b)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := fn(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkUpdateLink(b *testing.B) { runBench(b, benchClients.update) }

func BenchmarkDeleteLink(b *testing.B) { runBench(b, benchClients.delete) }

// BenchmarkNoDeadline: calls under context.Background, where the floor has no timeout at
// all (the wrapper makes its per-attempt timeout either way).
func BenchmarkNoDeadline(b *testing.B) {
	c := newBenchClients(b)
	ctx := context.Background()
	for _, v := range benchVariants {
		fn := c.delete(v)
		b.Run("op=delete/impl="+v, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := fn(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Decoding the reference 200 body alone: into the generated api.Link (what the wrapper
// returns) against a plain struct.
func BenchmarkDecodeLink(b *testing.B) {
	body := benchLinkBody(b)
	b.Run("impl=floor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var l plainLink
			if err := json.Unmarshal(body, &l); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=wrapper", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var l api.Link
			if err := json.Unmarshal(body, &l); err != nil {
				b.Fatal(err)
			}
		}
	})
}
