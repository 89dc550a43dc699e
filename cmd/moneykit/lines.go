package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

// maxIDLine bounds a line of an ids file: an id longer than wrapper.MaxLinkIDLen but
// within this is read, and fails as an invalid id; a longer line is a read error.
const maxIDLine = wrapper.MaxLinkIDLen + 1024

// lineReader reads text lines under the one rule that ids files and journals share: a
// UTF-8 byte order mark at the start is dropped, a line ends at \n (CRLF works: the \r
// is trimmed with the other surrounding spaces), blank lines and lines starting with #
// are skipped, and a line longer than max bytes is an error that names its number.
type lineReader struct {
	r    *bufio.Reader
	max  int
	n    int   // number of the last line read (blank ones counted)
	good int64 // bytes up to the end of the last line that ended with \n
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, max), max: max}
}

// errLineTooLong is matched by the error for a line over the reader's limit.
var errLineTooLong = errors.New("line too long")

// next returns the next line that is not blank or a comment, trimmed, and whether it
// ended with \n (a last line without one may have been cut short). At the end it returns
// io.EOF.
func (l *lineReader) next() (line string, complete bool, err error) {
	for {
		b, err := l.r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			return "", false, fmt.Errorf("line %d: %w: over %d bytes", l.n+1, errLineTooLong, l.max)
		case err == io.EOF && len(b) == 0:
			return "", false, io.EOF
		case err != nil && err != io.EOF:
			return "", false, err
		}
		l.n++
		complete = err == nil
		if complete {
			l.good += int64(len(b))
		}
		s := string(b)
		if l.n == 1 {
			s = strings.TrimPrefix(s, "\uFEFF")
		}
		s = strings.TrimSpace(s)
		if s != "" && s[0] != '#' {
			return s, complete, nil
		}
		if !complete {
			return "", false, io.EOF
		}
	}
}

// countIDs counts the ids of r (for the progress bar), and reports an unreadable line
// before anything is sent.
func countIDs(r io.Reader) (int, error) {
	lr := newLineReader(r, maxIDLine)
	n := 0
	for {
		_, _, err := lr.next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		n++
	}
}

// idLines is the CLI's wrapper.IDSource: ids read from r under the line rule by a
// goroutine, so that Next returns as soon as the run stops taking ids even while a read
// (of a terminal or a pipe) blocks.
type idLines struct {
	lines <-chan idLine
	stop  <-chan struct{} // closed when the run stops taking ids (a signal)
	name  string          // for errors: the file, or "stdin"
}

type idLine struct {
	id  string
	err error
}

// newIDLines starts reading r; the reader goroutine ends at the end of r, on an error,
// or when done is closed (a read already blocked ends with r).
func newIDLines(r io.Reader, name string, stop, done <-chan struct{}) *idLines {
	ch := make(chan idLine, 64)
	go func() {
		defer close(ch)
		lr := newLineReader(r, maxIDLine)
		for {
			id, _, err := lr.next()
			if err == io.EOF {
				return
			}
			select {
			case ch <- idLine{id, err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return &idLines{lines: ch, stop: stop, name: name}
}

// Next returns the next id; none once stop is closed: the ids not read are not taken.
func (s *idLines) Next(ctx context.Context) (string, bool, error) {
	select {
	case <-s.stop:
		return "", false, nil
	default:
	}
	select {
	case l, ok := <-s.lines:
		if !ok {
			return "", false, nil
		}
		if l.err != nil {
			return "", false, fmt.Errorf("%s: %w", s.name, l.err)
		}
		return l.id, true, nil
	case <-s.stop:
		return "", false, nil
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
}
