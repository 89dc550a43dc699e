package moneykit_test

import (
	"os/exec"
	"strings"
	"testing"
)

// kin-openapi is for tests, the fake server and CI: a program that only updates links must
// not carry it. The client's import graph is checked with the go command itself.
func TestClientImportGraphHasNoSpecValidator(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./wrapper", "./api").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list returned %d packages; expected the client's dependencies", len(deps))
	}
	for _, banned := range []string{"github.com/getkin/", "github.com/halyard-labs/moneykit-go/spec", "github.com/halyard-labs/moneykit-go/moneykittest"} {
		for _, d := range deps {
			if strings.HasPrefix(d, banned) {
				t.Errorf("the client imports %s", d)
			}
		}
	}
	found := false
	for _, d := range deps {
		found = found || d == "github.com/halyard-labs/moneykit-go/api"
	}
	if !found {
		t.Error("go list -deps did not list package api: the check looks at the wrong graph")
	}
}
