package wrapper

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// doer is the api.HttpRequestDoer the generated client calls. It attaches the access token
// here, after the request editors, and only when the request goes to the configured base
// URL's scheme and host; it also caps the response body.
type doer struct {
	client  *http.Client
	token   string // "Bearer ..."; never formatted: doer is unexported and reached only by pointer
	scheme  string
	host    string
	maxBody int64
}

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != d.scheme || req.URL.Host != d.host {
		// Only a request editor can get here: it rewrote the URL. Never send the token on.
		return nil, fmt.Errorf("moneykit: request to %s://%s is not the configured base URL; refusing to send credentials", req.URL.Scheme, req.URL.Host)
	}
	req.Header.Set("Authorization", d.token)
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > d.maxBody {
		resp.Body.Close()
		return nil, &bodyTooLargeError{limit: d.maxBody, status: resp.StatusCode}
	}
	resp.Body = &cappedBody{rc: resp.Body, left: d.maxBody, limit: d.maxBody, status: resp.StatusCode}
	return resp, nil
}

// ErrResponseTooLarge is matched (errors.Is) by the error for a response body over the
// limit set with WithMaxResponseBytes.
var ErrResponseTooLarge = errors.New("moneykit: response body too large")

type bodyTooLargeError struct {
	limit  int64
	status int
}

func (e *bodyTooLargeError) Error() string {
	return fmt.Sprintf("%d response body is over the %d-byte limit", e.status, e.limit)
}

func (e *bodyTooLargeError) Is(target error) bool { return target == ErrResponseTooLarge }

// cappedBody fails a read past the limit instead of handing on a silently cut body.
type cappedBody struct {
	rc     io.ReadCloser
	left   int64
	limit  int64
	status int
	over   bool
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.over {
		return 0, &bodyTooLargeError{limit: b.limit, status: b.status}
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		b.over = true
		return int(b.left), &bodyTooLargeError{limit: b.limit, status: b.status}
	}
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }
