package wrapper

import (
	"bufio"
	"context"
	"io"
	"strings"
)

// IDSource yields link ids one at a time, so a bulk run never holds them all.
type IDSource interface {
	// Next returns the next id, or ok=false at the end (err says why, if not io.EOF).
	Next(ctx context.Context) (id string, ok bool, err error)
}

type sliceIDs struct {
	ids []string
	i   int
}

func (s *sliceIDs) Next(context.Context) (string, bool, error) {
	if s.i >= len(s.ids) {
		return "", false, nil
	}
	s.i++
	return s.ids[s.i-1], true, nil
}

// IDsFromSlice yields the ids of a slice.
func IDsFromSlice(ids []string) IDSource { return &sliceIDs{ids: ids} }

type chanIDs struct{ ch <-chan string }

func (c chanIDs) Next(ctx context.Context) (string, bool, error) {
	select {
	case id, ok := <-c.ch:
		return id, ok, nil
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
}

// IDsFromChan yields ids until ch is closed.
func IDsFromChan(ch <-chan string) IDSource { return chanIDs{ch} }

type readerIDs struct{ sc *bufio.Scanner }

func (r readerIDs) Next(context.Context) (string, bool, error) {
	for r.sc.Scan() {
		line := strings.TrimSpace(r.sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		return line, true, nil
	}
	return "", false, r.sc.Err()
}

// IDsFromReader yields one id per line of r; blank lines and lines starting with # are
// skipped, and surrounding spaces trimmed.
func IDsFromReader(r io.Reader) IDSource {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxLinkIDLen+1024)
	return readerIDs{sc}
}
