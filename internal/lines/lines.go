// Package lines reads text lines under the one rule that ids files (wrapper.IDsFromReader,
// the CLI's --ids) and the CLI's journals share: a UTF-8 byte order mark at the start is
// dropped, a line ends at \n (CRLF works: the \r is trimmed with the other surrounding
// spaces), blank lines and lines starting with # are skipped, and a line longer than the
// reader's limit is an error that names its number.
package lines

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrTooLong is matched (errors.Is) by the error for a line over the reader's limit.
var ErrTooLong = errors.New("line too long")

// Reader reads lines under the rule. It is not safe for concurrent use.
type Reader struct {
	r    *bufio.Reader
	max  int
	n    int   // number of the last line read (blank ones counted)
	good int64 // bytes up to the end of the last line that ended with \n
}

// NewReader reads r, with lines of at most max bytes (\n included).
func NewReader(r io.Reader, max int) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, max), max: max}
}

// Next returns the next line that is not blank or a comment, trimmed, and whether it
// ended with \n (a last line without one may have been cut short). At the end it returns
// io.EOF.
func (l *Reader) Next() (line string, complete bool, err error) {
	for {
		b, err := l.r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			return "", false, fmt.Errorf("line %d: %w: over %d bytes", l.n+1, ErrTooLong, l.max)
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

// Line is the number of the last line read, blank and comment lines counted.
func (l *Reader) Line() int { return l.n }

// Complete is the number of bytes up to the end of the last line read that ended with \n:
// what is left after it was cut short.
func (l *Reader) Complete() int64 { return l.good }
