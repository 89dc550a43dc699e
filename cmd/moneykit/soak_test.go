//go:build unix

package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBulkSoak runs 'moneykit bulk delete' as its own process against a server that
// answers 429 with Retry-After, 503, resets connections, answers slowly and loses answers
// (the request carried out, the connection reset before the answer), kills it with
// SIGKILL several times and resumes it with the same journal, then checks the invariants:
//
//   - every id ends done exactly once in the journal, or failed there with a reason;
//   - the journal lists as done only ids the server carried out;
//   - no id is sent again after the client was told it was done, except those in flight at
//     a kill: at most --concurrency per kill.
//
// It soaks with DELETE because there "carried out" is exact: the server deletes a link
// once, and every later DELETE of it is visible (it answers 410, which the client counts
// as done). A PATCH whose answer is lost and is retried is applied twice by any server, so
// with PATCH the server could not tell a legitimate retry from a wrong re-send. The server
// tells them apart by what it told the client: an id re-sent after a success answer
// (200, or 410 after the delete) reached the client is a re-send; after a lost answer, a
// retry. Faults are chosen per (seed, id, nth request for that id), so a seed replays the
// same faults whatever the timing; kill points come from the seed too.
//
// Size: MONEYKIT_SOAK_IDS ids (default 1500), MONEYKIT_SOAK_KILLS kills (default 3),
// MONEYKIT_SOAK_SEED (default: a new one, printed); make soak runs it at full size.
//
// Its 429s come with Retry-After: 0 in go test, so that they cost no wall time (the CLI is
// a process of its own: no fake clock reaches it; the client still counts the 429 and
// retries, after its backoff), and with Retry-After: 1, as MoneyKit sends, when
// MONEYKIT_SOAK_IDS is set (make soak). What is checked here is the journal across kills,
// not how long a pause lasts: wrapper/ tests that.
func TestBulkSoak(t *testing.T) {
	n := envInt(t, "MONEYKIT_SOAK_IDS", 1500)
	kills := envInt(t, "MONEYKIT_SOAK_KILLS", 3)
	retryAfter := "0"
	if os.Getenv("MONEYKIT_SOAK_IDS") != "" {
		retryAfter = "1"
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("MONEYKIT_SOAK_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("MONEYKIT_SOAK_SEED: %v", err)
		}
	}
	t.Logf("seed %d, %d ids, %d kills, Retry-After: %s", seed, n, kills, retryAfter)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("reproduce with: MONEYKIT_SOAK_SEED=%d MONEYKIT_SOAK_IDS=%d MONEYKIT_SOAK_KILLS=%d go test -run '^TestBulkSoak$' ./cmd/moneykit", seed, n, kills)
		}
	})
	const concurrency = 8
	rng := rand.New(rand.NewPCG(seed, 0))

	srv := newSoakServer(seed, retryAfter)
	ids := make([]string, n)
	var input strings.Builder
	for i := range ids {
		ids[i] = fmt.Sprintf("mk_soak_%06d", i)
		srv.add(ids[i])
		input.WriteString(ids[i] + "\n")
		if rng.IntN(100) == 0 { // a few duplicates: done once
			input.WriteString(ids[rng.IntN(i+1)] + "\n")
		}
	}
	hs := httptest.NewUnstartedServer(srv)
	hs.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, cycleKey{}, srv.currentCycle()) // which run's connection
	}
	hs.Config.ConnState = srv.connState
	hs.Start()
	defer hs.Close()
	dir := t.TempDir()
	file, journal := filepath.Join(dir, "ids.txt"), filepath.Join(dir, "journal")
	if err := os.WriteFile(file, []byte(input.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"MONEYKIT_ACCESS_TOKEN": "mk_soak_token", "MONEYKIT_BASE_URL": hs.URL}
	args := []string{"bulk", "delete", "--ids", file, "--journal", journal, "--rate", "100000000", "--concurrency", strconv.Itoa(concurrency)}

	start := time.Now()
	killed := map[int]bool{}
	for cycle := 1; ; cycle++ {
		srv.setCycle(cycle)
		c := startCLI(t, env, nil, args...)
		c.start(t)
		final := cycle > kills
		if !final {
			// Kill after a seeded number of new records, at most n/(2·kills) of them.
			target := len(soakJournal(t, journal)) + 1 + rng.IntN(max(1, n/(2*kills)))
			for len(soakJournal(t, journal)) < target && !c.exited(2*time.Millisecond) {
			}
			c.cmd.Process.Kill()
		}
		if !c.exited(5 * time.Minute) {
			t.Fatal("the run did not end")
		}
		// The run's requests still being answered end before the next run starts: a late
		// one would count as the next run's.
		srv.settle(t, hs.URL)
		killed[cycle] = c.code == -1
		j := soakJournal(t, journal)
		t.Logf("run %d: exit %d, journal lists %d ids, %d requests so far, %v", cycle, c.code, len(j), srv.requests(), time.Since(start).Round(time.Millisecond))
		for id, r := range j {
			if r.done > 0 && !srv.carriedOut(id) {
				t.Errorf("run %d: %s is journaled done but the server never carried it out", cycle, id)
			}
		}
		if final {
			if c.code != exitOK && c.code != exitAPI {
				t.Fatalf("last run: exit %d\n%s", c.code, &c.stderr)
			}
			break
		}
	}

	j := soakJournal(t, journal)
	failed := 0
	for _, id := range ids {
		r := j[id]
		switch {
		case r == nil:
			t.Errorf("%s: not in the journal", id)
		case r.done > 1:
			t.Errorf("%s: journaled done %d times", id, r.done)
		case r.done == 0 && r.reason == "":
			t.Errorf("%s: failed without a reason", id)
		case r.done == 0:
			failed++
		}
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for _, v := range srv.violations {
		t.Error(v)
	}
	for cycle, resent := range srv.resentAfter {
		switch {
		case !killed[cycle]:
			t.Errorf("run %d ended by itself, yet ids it was told were done were sent again: %v", cycle, resent)
		case len(resent) > concurrency:
			t.Errorf("the kill of run %d: %d ids sent again after they were done (only the %d in flight may be): %v", cycle, len(resent), concurrency, resent)
		}
	}
	t.Logf("%d ids, %d requests, %d failed for good (with a reason), re-sent after kills: %v; %v",
		n, srv.reqs, failed, srv.resentCounts(kills), time.Since(start).Round(time.Millisecond))
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

type cycleKey struct{}

// soakServer is DELETE /links/{id} with faults, keeping count of what it carried out.
type soakServer struct {
	seed        uint64
	retryAfter  string // of its 429s
	mu          sync.Mutex
	cycle       int
	conns       int // open connections
	links       map[string]*soakLink
	reqs        int
	violations  []string
	resentAfter map[int][]string // run whose success answer was ignored -> ids sent again later
}

type soakLink struct {
	arrivals  int  // requests for it so far: the fault of each is chosen from the seed and this
	deletedIn int  // the run whose request deleted it; 0 while it is not deleted
	successIn int  // the last run that was sent a success answer (200, or 410 after the delete)
	resentFor int  // the last run whose success answer it was sent again after
	missing   bool // answers 404: an id that fails for good, with a reason
}

func newSoakServer(seed uint64, retryAfter string) *soakServer {
	return &soakServer{seed: seed, retryAfter: retryAfter, links: map[string]*soakLink{}, resentAfter: map[int][]string{}}
}

// connState keeps count of the open connections (http.Server.ConnState).
func (s *soakServer) connState(_ net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch state {
	case http.StateNew:
		s.conns++
	case http.StateClosed, http.StateHijacked:
		s.conns--
	}
}

func (s *soakServer) openConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// settle returns once every request of a run that has ended is answered. A request of the
// test's own is accepted after any connection of the run still queued at the listener (the
// queue is first in, first out); then each connection is closed once its requests are
// answered, the run being gone.
func (s *soakServer) settle(t *testing.T, url string) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url + "/settle")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	waitFor(t, "the connections of the ended run to close", func() bool { return s.openConns() == 0 })
}

func (s *soakServer) add(id string) {
	s.links[id] = &soakLink{missing: s.draw(id, 0) < 0.005}
}

// draw is the seeded random number in [0, 1) for the nth request of id.
func (s *soakServer) draw(id string, nth int) float64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return rand.New(rand.NewPCG(s.seed, h.Sum64()^uint64(nth)<<48)).Float64()
}

func (s *soakServer) setCycle(c int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cycle = c
}

func (s *soakServer) currentCycle() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cycle
}

func (s *soakServer) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs
}

func (s *soakServer) carriedOut(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.links[id]
	return l != nil && l.deletedIn > 0
}

func (s *soakServer) resentCounts(kills int) []int {
	var out []int
	for c := 1; c <= kills; c++ {
		out = append(out, len(s.resentAfter[c]))
	}
	return out
}

func (s *soakServer) violation(format string, a ...any) {
	s.violations = append(s.violations, fmt.Sprintf(format, a...))
}

// The faults, with their chance per request.
const (
	soak429   = 0.002 // 429 with Retry-After (1 in make soak: every worker of the run waits a second)
	soak503   = 0.04  // 503, not carried out
	soakReset = 0.03  // connection reset before it is carried out
	soakLost  = 0.03  // carried out, then the connection is reset: the answer is lost
	soakSlow  = 0.05  // carried out after 20-150 ms
)

func (s *soakServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cycle, _ := r.Context().Value(cycleKey{}).(int)
	if r.URL.Path == "/settle" {
		return // the test's own request (settle)
	}
	id, _ := strings.CutPrefix(r.URL.Path, "/links/")
	s.mu.Lock()
	s.reqs++
	l := s.links[id]
	if r.Method != http.MethodDelete || l == nil {
		s.violation("unexpected request %s %s", r.Method, r.URL.Path)
		s.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	l.arrivals++
	x := s.draw(id, l.arrivals)
	s.mu.Unlock()

	switch {
	case x < soak429:
		w.Header().Set("Retry-After", s.retryAfter)
		writeSoak(w, http.StatusTooManyRequests, `{"error_code":"api_error.rate_limit_exceeded","error_message":"Rate limit exceeded."}`)
		return
	case x < soak429+soak503:
		writeSoak(w, http.StatusServiceUnavailable, `{"error_code":"api_error.internal","error_message":"Service unavailable."}`)
		return
	case x < soak429+soak503+soakReset:
		resetConn(w)
		return
	case x < soak429+soak503+soakReset+soakLost+soakSlow:
		if x >= soak429+soak503+soakReset+soakLost {
			time.Sleep(time.Duration(20+int(x*1e6)%130) * time.Millisecond)
		}
	}

	s.mu.Lock()
	status, body := http.StatusOK, `{}`
	switch {
	case l.missing:
		status, body = http.StatusNotFound, `{"error_code":"link_error.not_found","error_message":"Link not found."}`
	case l.deletedIn == 0:
		l.deletedIn = cycle
	default:
		status, body = http.StatusGone, `{"error_code":"link_error.deleted","error_message":"Link deleted."}`
		switch {
		case l.successIn == cycle:
			s.violation("%s: sent again in run %d after that run was told it was done", id, cycle)
		case l.successIn > 0 && l.resentFor != l.successIn:
			l.resentFor = l.successIn // in flight at the kill of run successIn
			s.resentAfter[l.successIn] = append(s.resentAfter[l.successIn], id)
		}
	}
	s.mu.Unlock()
	if x >= soak429+soak503+soakReset && x < soak429+soak503+soakReset+soakLost {
		resetConn(w) // carried out, the answer lost
		return
	}
	writeSoak(w, status, body)
	if status != http.StatusNotFound {
		s.mu.Lock()
		l.successIn = cycle
		s.mu.Unlock()
	}
}

func writeSoak(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// resetConn drops the connection with a TCP reset, no answer sent.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// soakRecord is what a journal says of one id.
type soakRecord struct {
	done   int    // done lines
	reason string // the reason of the last failed line after the last done one
}

// soakJournal reads the journal's whole lines (a line cut short by the kill is not one).
func soakJournal(t *testing.T, path string) map[string]*soakRecord {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	out := map[string]*soakRecord{}
	lines := strings.Split(string(b), "\n")
	for i, line := range lines[:len(lines)-1] {
		if i == 0 {
			continue // the header
		}
		fields := strings.SplitN(line, "\t", 3)
		if len(fields) < 2 {
			t.Fatalf("journal line %d: %q", i+1, line)
		}
		r := out[fields[1]]
		if r == nil {
			r = &soakRecord{}
			out[fields[1]] = r
		}
		switch {
		case fields[0] == "done":
			r.done++
			r.reason = ""
		case fields[0] == "failed" && len(fields) == 3:
			if r.done == 0 {
				r.reason = fields[2]
			}
		default:
			t.Fatalf("journal line %d: %q", i+1, line)
		}
	}
	return out
}
