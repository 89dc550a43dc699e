package moneykittest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// FaultKind is what an injected fault does to an answer.
type FaultKind int

const (
	// FaultDelay only delays the answer by Latency, then answers normally.
	FaultDelay FaultKind = iota
	// FaultStatus answers Status with Body and Header instead of the API's answer; the
	// request is not processed.
	FaultStatus
	// FaultDrop closes the connection without answering; the request is not processed.
	FaultDrop
	// FaultDropMidBody processes the request, sends the status line, headers and half of
	// the body, then closes the connection: the answer is lost mid-way.
	FaultDropMidBody
	// FaultTruncate processes the request and sends its status with the body cut in half
	// (a well-formed HTTP answer whose JSON is truncated).
	FaultTruncate
	// FaultNonJSON processes the request and sends its status with a body that is not JSON.
	FaultNonJSON
	// FaultHTML502 answers 502 with an HTML page, as a proxy in front of the API would;
	// the request is not processed.
	FaultHTML502
)

// Fault is a misbehaviour to inject into the next matching requests.
type Fault struct {
	Kind FaultKind
	// Method limits the fault to requests with this method ("" matches any).
	Method string
	// Times is how many matching requests get the fault (0 means 1; negative, all).
	Times int
	// Probability, if above 0, makes each matching request get the fault with that
	// chance (0.02: about 2 in 100); Times counts only the requests that got it.
	Probability float64
	// Latency delays the answer (or the drop) this long; the delay ends early when the
	// request's context ends or the fake is closed, and the request, not processed, is
	// answered 503.
	Latency time.Duration
	// Status, Header and Body make the answer of FaultStatus (Body defaults to none).
	Status int
	Header http.Header
	Body   []byte
}

// InjectFault queues a fault. Faults apply in the order injected; each request takes at
// most one. Faults bypass the spec checks: they are off-spec on purpose.
func (f *Fake) InjectFault(fault Fault) {
	if fault.Times == 0 {
		fault.Times = 1
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &fault)
}

// ClearFaults removes the faults not yet used.
func (f *Fake) ClearFaults() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
}

func (f *Fake) takeFault(method string) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, fault := range f.faults {
		if fault.Method != "" && fault.Method != method {
			continue
		}
		if fault.Probability > 0 && rand.Float64() >= fault.Probability {
			continue
		}
		c := *fault
		if fault.Times > 0 {
			fault.Times--
			if fault.Times == 0 {
				f.faults = append(f.faults[:i], f.faults[i+1:]...)
			}
		}
		return &c
	}
	return nil
}

const html502 = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
`

// applyFault carries out fault on the request and returns the status sent (0: none).
func (f *Fake) applyFault(w http.ResponseWriter, r *http.Request, fault *Fault) int {
	if fault.Latency > 0 {
		t := time.NewTimer(fault.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return notProcessed(w)
		case <-f.closing:
			return notProcessed(w)
		}
	}
	switch fault.Kind {
	case FaultStatus:
		for k, v := range fault.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(fault.Status)
		w.Write(fault.Body)
		return fault.Status
	case FaultHTML502:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte(html502))
		return http.StatusBadGateway
	case FaultDrop:
		hijackAndClose(w, nil)
		return 0
	}
	rec := f.answer(r)
	body := rec.body.Bytes()
	switch fault.Kind {
	case FaultDropMidBody:
		head := fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
			rec.status, http.StatusText(rec.status), rec.header.Get("Content-Type"), len(body))
		hijackAndClose(w, append([]byte(head), body[:len(body)/2]...))
		return 0
	case FaultTruncate:
		rec.body.Truncate(len(body) / 2)
		rec.header.Set("Content-Length", strconv.Itoa(rec.body.Len()))
	case FaultNonJSON:
		rec.body.Reset()
		rec.body.WriteString("this is not JSON\n")
	}
	rec.writeTo(w)
	return rec.status
}

// notProcessed answers a request cut short by its delay (the fake is closing, or the
// request's context ended) with 503, so that it never looks like a success: returning
// without writing would make net/http send an implicit 200 with an empty body.
func notProcessed(w http.ResponseWriter) int {
	w.Header().Set("Connection", "close")
	writeJSON(w, http.StatusServiceUnavailable, map[string]string{
		"error_code":        "api_error.internal",
		"error_message":     "moneykittest: the fake is shutting down; the request was not processed.",
		"documentation_url": docsURL,
	})
	return http.StatusServiceUnavailable
}

// hijackAndClose writes raw bytes, if any, on the bare connection and closes it.
func hijackAndClose(w http.ResponseWriter, raw []byte) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // HTTP/2: abort the stream instead
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if len(raw) > 0 {
		buf.Write(raw)
		buf.Flush()
	}
	conn.Close()
}
