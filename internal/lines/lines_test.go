package lines

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// The rule: a BOM at the start dropped, CRLF, surrounding spaces, blank and # lines
// skipped, a last line without \n reported incomplete, an over-long line an error with its
// number; Complete counts the bytes up to the last \n.
func TestReader(t *testing.T) {
	type line struct {
		s        string
		complete bool
	}
	for _, tc := range []struct {
		name, in  string
		max       int
		want      []line
		wantErr   string
		lastLine  int
		completeN int64
	}{
		{"BOM, CRLF, spaces, blanks, comments", "\uFEFF  mk_a \r\n\r\n# note\r\n\tmk_b\t\r\n   \nmk_c", 64,
			[]line{{"mk_a", true}, {"mk_b", true}, {"mk_c", false}}, "", 6, 34},
		{"a BOM later is kept", "a\n\uFEFFb\n", 64, []line{{"a", true}, {"\uFEFFb", true}}, "", 2, 7},
		{"torn blank last line", "a\n  ", 64, []line{{"a", true}}, "", 2, 2},
		{"over-long line", "a\n\n" + strings.Repeat("k", 40) + "\nb\n", 32, []line{{"a", true}}, "line 3: line too long: over 32 bytes", 2, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tc.in), tc.max)
			var got []line
			var err error
			for {
				var l line
				l.s, l.complete, err = r.Next()
				if err != nil {
					break
				}
				got = append(got, l)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("lines %+v, want %+v", got, tc.want)
			}
			switch {
			case tc.wantErr == "" && err != io.EOF:
				t.Errorf("error %v, want io.EOF", err)
			case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr || !errors.Is(err, ErrTooLong)):
				t.Errorf("error %v, want %q matching ErrTooLong", err, tc.wantErr)
			}
			if r.Line() != tc.lastLine || r.Complete() != tc.completeN {
				t.Errorf("Line %d, Complete %d; want %d, %d", r.Line(), r.Complete(), tc.lastLine, tc.completeN)
			}
		})
	}
}
