package main

import (
	"context"
	"fmt"
	"io"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

// Ids files are read by wrapper.IDsFromReader, under the line rule that journals share
// (package internal/lines): one rule, one implementation.

// countIDs counts the ids of r (for the progress bar), and reports an unreadable line
// before anything is sent.
func countIDs(r io.Reader) (int, error) {
	src := wrapper.IDsFromReader(r)
	n := 0
	for {
		_, ok, err := src.Next(context.Background())
		if err != nil {
			return 0, err
		}
		if !ok {
			return n, nil
		}
		n++
	}
}

// namedIDs names the input in its read errors: the file, or "stdin".
type namedIDs struct {
	wrapper.IDSource
	name string
}

func (s namedIDs) Next(ctx context.Context) (string, bool, error) {
	id, ok, err := s.IDSource.Next(ctx)
	if err != nil && ctx.Err() == nil {
		err = fmt.Errorf("%s: %w", s.name, err)
	}
	return id, ok, err
}
