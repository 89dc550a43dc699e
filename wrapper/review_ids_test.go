package wrapper_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

// A bulk run over IDsFromReader(os.Stdin) (a pipe that stays open) must end when its
// context is cancelled, as UpdateLinks documents ("When ctx is cancelled, the run stops").
// readerIDs.Next ignores its context, so the run blocks in Next for ever.
func TestReviewIDsFromReaderObeysContext(t *testing.T) {
	_, c, ids := bulkFake(t, 1)
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { io.WriteString(pw, ids[0]+"\n") }() // one id, then the pipe stays open
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan wrapper.BulkSummary, 1)
	go func() {
		sum, _ := c.DeleteLinks(ctx, wrapper.IDsFromReader(pr), wrapper.BulkOptions{Rate: 1000})
		done <- sum
	}()
	time.Sleep(300 * time.Millisecond)
	cancel()
	select {
	case sum := <-done:
		t.Logf("returned: %+v", sum)
	case <-time.After(2 * time.Second):
		t.Fatal("DeleteLinks still blocked reading ids 2 s after its context was cancelled")
	}
}

// The one line rule (a UTF-8 BOM dropped, as the CLI's reader does) is not the
// exported IDsFromReader's: a file saved by Notepad yields "\ufeffmk_..." as its first id,
// which then fails as an invalid id instead of being done.
func TestReviewIDsFromReaderBOM(t *testing.T) {
	src := wrapper.IDsFromReader(stringsReader("\ufeffmk_bom_1\r\nmk_2\r\n"))
	id, ok, err := src.Next(context.Background())
	if !ok || err != nil || id != "mk_bom_1" {
		t.Errorf("first id %q, %v, %v; want \"mk_bom_1\"", id, ok, err)
	}
}

func stringsReader(s string) io.Reader {
	r, w := io.Pipe()
	go func() { io.WriteString(w, s); w.Close() }()
	return r
}
