package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/halyard-labs/moneykit-go/api"
)

// The generated request type keeps absent, null and value apart on the wire. A generator
// upgrade that changes this fails here first.
func TestUpdateLinkRequestGoldenJSON(t *testing.T) {
	tags := []string{"smoke_test", "user_type:admin"}
	empty := []string{}
	for _, tc := range []struct {
		golden string
		req    api.UpdateLinkRequest
	}{
		{"update-nothing", api.UpdateLinkRequest{}},
		{"update-set-webhook", api.UpdateLinkRequest{Webhook: nullable.NewNullableWithValue("https://example.com/updated/hook")}},
		{"update-remove-webhook", api.UpdateLinkRequest{Webhook: nullable.NewNullNullable[string]()}},
		{"update-set-tags", api.UpdateLinkRequest{LinkTags: &tags}},
		{"update-clear-tags", api.UpdateLinkRequest{LinkTags: &empty}},
		{"update-remove-webhook-clear-tags", api.UpdateLinkRequest{LinkTags: &empty, Webhook: nullable.NewNullNullable[string]()}},
	} {
		got, err := json.Marshal(tc.req)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile("../testdata/requests/" + tc.golden + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, bytes.TrimSuffix(want, []byte("\n"))) {
			t.Errorf("%s: marshal = %s, want %s", tc.golden, got, want)
		}
		var back api.UpdateLinkRequest
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		if back.Webhook.IsSpecified() != tc.req.Webhook.IsSpecified() || back.Webhook.IsNull() != tc.req.Webhook.IsNull() {
			t.Errorf("%s: webhook state lost in a round trip", tc.golden)
		}
	}
}

func TestTimestamp(t *testing.T) {
	utc := time.Date(2023, 2, 16, 9, 14, 11, 0, time.UTC)
	for _, tc := range []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{`"2023-02-16T09:14:11"`, utc, false},
		{`"2023-02-16T09:14:11Z"`, utc, false},
		{`"2023-02-16T11:14:11+02:00"`, utc, false},
		{`"2023-02-16T09:14:11.5"`, utc.Add(500 * time.Millisecond), false},
		{`null`, time.Time{}, false},
		{`"2023-02-16"`, time.Time{}, true},
		{`"yesterday"`, time.Time{}, true},
		{`1676538851`, time.Time{}, true},
		{`""`, time.Time{}, true},
	} {
		var ts api.Timestamp
		err := json.Unmarshal([]byte(tc.in), &ts)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err = %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if !ts.Equal(tc.want) {
			t.Errorf("%s = %v, want %v", tc.in, ts.Time, tc.want)
		}
	}
	out, err := json.Marshal(api.Timestamp{Time: utc})
	if err != nil || string(out) != `"2023-02-16T09:14:11Z"` {
		t.Errorf("marshal = %s, %v", out, err)
	}
}

// A link as the live API sends it survives decoding into api.Link and encoding back with
// every field and value (settings, has_history and provider included): the generated type
// drops nothing MoneyKit sends. Timestamps compare as instants (zone-less ones gain a Z).
func TestLinkKeepsEveryField(t *testing.T) {
	raw, err := os.ReadFile("../testdata/responses/link.json")
	if err != nil {
		t.Fatal(err)
	}
	var link api.Link
	if err := json.Unmarshal(raw, &link); err != nil {
		t.Fatal(err)
	}
	back, err := json.Marshal(link)
	if err != nil {
		t.Fatal(err)
	}
	var want, got map[string]any
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(back, &got); err != nil {
		t.Fatal(err)
	}
	for _, d := range diff("", want, got) {
		t.Error(d)
	}
}

// diff lists the paths where got differs from want.
func diff(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %v, want an object", path, got)}
		}
		var out []string
		for k := range w {
			if _, ok := g[k]; !ok {
				out = append(out, path+"."+k+": dropped")
				continue
			}
			out = append(out, diff(path+"."+k, w[k], g[k])...)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				out = append(out, path+"."+k+": added")
			}
		}
		return out
	case string:
		if g, ok := got.(string); ok && g != w {
			wt, err1 := api.ParseTimestamp(w)
			gt, err2 := api.ParseTimestamp(g)
			if err1 == nil && err2 == nil && wt.Equal(gt) {
				return nil
			}
		}
	}
	if !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s: %v, want %v", path, got, want)}
	}
	return nil
}
