package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
)

// wireLogger prints each request and response as sent and received, with the token
// redacted, for -v and the demo.
type wireLogger struct {
	base   http.RoundTripper
	w      io.Writer
	secret string
	mu     sync.Mutex
}

func (l *wireLogger) RoundTrip(req *http.Request) (*http.Response, error) {
	dump, err := httputil.DumpRequestOut(req, true)
	if err != nil {
		return nil, err
	}
	l.print("> ", dump)
	resp, err := l.base.RoundTrip(req)
	if err != nil {
		l.print("! ", []byte(err.Error()))
		return nil, err
	}
	dump, err = httputil.DumpResponse(resp, true)
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	l.print("< ", dump)
	return resp, nil
}

func (l *wireLogger) print(prefix string, b []byte) {
	if l.secret != "" {
		b = bytes.ReplaceAll(b, []byte(l.secret), []byte("[REDACTED]"))
	}
	// Indent a JSON body so that a reader can follow it.
	if head, body, ok := bytes.Cut(b, []byte("\r\n\r\n")); ok && json.Valid(body) && len(body) > 0 {
		var ind bytes.Buffer
		if json.Indent(&ind, body, "", "  ") == nil {
			b = append(append(head, "\r\n\r\n"...), ind.Bytes()...)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.Split(strings.TrimRight(string(b), "\r\n"), "\n") {
		fmt.Fprintf(l.w, "%s%s\n", prefix, strings.TrimRight(line, "\r"))
	}
	fmt.Fprintln(l.w)
}
