package wrapper

import (
	"context"
	"io"

	"github.com/halyard-labs/moneykit-go/internal/lines"
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

// readerIDs reads each line in a goroutine of its own, so that Next returns when its
// context ends even while a read (of a terminal, a pipe that stays open) blocks. A read
// left behind is taken by the next call to Next; its goroutine ends when that read
// returns, at the latest when r reaches its end or is closed, and never blocks after it.
type readerIDs struct {
	lr      *lines.Reader
	pending chan lineRead // the read in progress, if any; buffered, so it never blocks
	end     error         // io.EOF, or the error that ended the reading
}

type lineRead struct {
	line string
	err  error
}

func (r *readerIDs) Next(ctx context.Context) (string, bool, error) {
	if r.end != nil {
		return "", false, endErr(r.end)
	}
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	if r.pending == nil {
		ch := make(chan lineRead, 1)
		go func() {
			line, _, err := r.lr.Next()
			ch <- lineRead{line, err}
		}()
		r.pending = ch
	}
	select {
	case l := <-r.pending:
		r.pending = nil
		if l.err != nil {
			r.end = l.err
			return "", false, endErr(l.err)
		}
		return l.line, true, nil
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
}

// endErr is what Next returns at the end: nil at the end of the input.
func endErr(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// maxIDLine bounds a line of ids: an id longer than MaxLinkIDLen but within this is read,
// and fails as an invalid id; a longer line is an error.
const maxIDLine = MaxLinkIDLen + 1024

// IDsFromReader yields one id per line of r, under the line rule of ids files: a UTF-8
// byte order mark at the start is dropped, surrounding spaces (and the \r of CRLF) are
// trimmed, blank lines and lines starting with # are skipped, and a line over
// MaxLinkIDLen+1024 bytes ends the ids with an error that names its line number.
//
// Next obeys its context even while a read of r blocks (a terminal, a pipe that stays
// open): it returns ctx's error, and that read, made by a goroutine, is kept for the next
// call. The goroutine ends when the read returns: when r yields a line, reaches its end,
// fails or is closed. Close r to end it if the ids are no longer wanted.
func IDsFromReader(r io.Reader) IDSource {
	return &readerIDs{lr: lines.NewReader(r, maxIDLine)}
}
