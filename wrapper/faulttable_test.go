package wrapper_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

var updateREADME = flag.Bool("update-readme", false, "write TestFaultSuite's cases into the README's fault table")

const (
	readmePath    = "../README.md"
	faultsHeading = "### Faults, and what the client does"
)

// The README's fault table is TestFaultSuite's cases, row for row; a failure names the
// row to fix. `go test ./wrapper -run TestFaultTableInREADME -update-readme` rewrites it.
func TestFaultTableInREADME(t *testing.T) {
	raw, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	first, end := tableAfter(lines, faultsHeading)
	if first < 0 {
		t.Fatalf("README.md: no table after %q", faultsHeading)
	}
	want := []string{"| fault injected | outcome | attempts | time, waits included |", "|---|---|---|---|"}
	for _, tc := range faultCases() {
		want = append(want, tc.row())
	}
	if *updateREADME {
		out := slices.Concat(lines[:first], want, lines[end:])
		if err := os.WriteFile(readmePath, []byte(strings.Join(out, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got := lines[first:end]
	for i, row := range got {
		if !slices.Contains(want, row) {
			if w := sameFault(want, row); w != "" {
				t.Errorf("README.md:%d: the row\n%s\nshould be\n%s", first+i+1, row, w)
			} else {
				t.Errorf("README.md:%d: the row\n%s\nis not a case of TestFaultSuite: remove it", first+i+1, row)
			}
		}
	}
	for _, row := range want {
		if !slices.Contains(got, row) && sameFault(got, row) == "" {
			t.Errorf("README.md:%d-%d: the fault table lacks the row\n%s", first+1, end, row)
		}
	}
	if !t.Failed() && !slices.Equal(got, want) {
		t.Errorf("README.md:%d-%d: the fault table's rows are not in TestFaultSuite's order:\n%s", first+1, end, strings.Join(want, "\n"))
	}
	if t.Failed() {
		t.Log("go test ./wrapper -run TestFaultTableInREADME -update-readme rewrites the table")
	}
}

// tableAfter returns the lines [first, end) of the first table after heading, or -1.
func tableAfter(lines []string, heading string) (first, end int) {
	h := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, heading) })
	if h < 0 {
		return -1, -1
	}
	for first = h + 1; first < len(lines) && !strings.HasPrefix(lines[first], "|"); first++ {
	}
	for end = first; end < len(lines) && strings.HasPrefix(lines[end], "|"); end++ {
	}
	if first == len(lines) {
		return -1, -1
	}
	return first, end
}

// sameFault returns the row of rows for the fault that row names (its first cell), or "".
func sameFault(rows []string, row string) string {
	cell := func(r string) string { return strings.SplitN(r, "|", 3)[1] }
	for _, r := range rows {
		if strings.Count(r, "|") > 2 && strings.Count(row, "|") > 2 && cell(r) == cell(row) {
			return r
		}
	}
	return ""
}

// row is the case's line in the README's fault table: what every operation ends in
// (per operation when they differ), the attempts, and the time bounds.
func (tc faultCase) row() string {
	var texts []string
	methods := map[string][]string{}
	for _, op := range linkOps {
		s := tc.want.forOp(op).text(tc.attempts)
		if _, seen := methods[s]; !seen {
			texts = append(texts, s)
		}
		methods[s] = append(methods[s], op.method)
	}
	out := texts[0]
	if len(texts) > 1 {
		for i, s := range texts {
			texts[i] = strings.Join(methods[s], ", ") + ": " + s
		}
		out = strings.Join(texts, "; ")
	}
	if tc.note != "" {
		out += " (" + tc.note + ")"
	}
	span := "≤ " + tc.max.String()
	if tc.min > 0 {
		span = tc.min.String() + " to " + tc.max.String()
	}
	return fmt.Sprintf("| %s | %s | %d | %s |", tc.name, out, tc.attempts, span)
}

var sentinelNames = map[error]string{
	wrapper.ErrMalformedResponse: "ErrMalformedResponse",
	wrapper.ErrRateLimited:       "ErrRateLimited",
	context.DeadlineExceeded:     "context.DeadlineExceeded",
}

// text says what TestFaultSuite asserts of o.
func (o outcome) text(attempts int) string {
	if o.ok {
		return "success"
	}
	var parts []string
	if o.sentinel != nil {
		name, ok := sentinelNames[o.sentinel]
		if !ok {
			name = o.sentinel.Error()
		}
		parts = append(parts, "`"+name+"`")
	}
	switch {
	case o.status != 0 && o.sentinel != nil:
		parts = append(parts, fmt.Sprintf("status %d", o.status))
	case o.status != 0:
		parts = append(parts, fmt.Sprintf("`*Error` %d", o.status))
	case o.sentinel == nil:
		parts = append(parts, "an error, not an `*Error`")
	}
	if o.status == 0 && attempts > 1 {
		parts = append(parts, fmt.Sprintf("%q", fmt.Sprintf("after %d attempts", attempts)))
	}
	if o.retryAfter != 0 {
		parts = append(parts, "`RetryAfter` "+o.retryAfter.String())
	}
	return strings.Join(parts, ", ")
}
