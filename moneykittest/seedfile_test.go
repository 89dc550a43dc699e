package moneykittest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/halyard-labs/moneykit-go/moneykittest"
)

const seedLink = `{"link_id": %q, "institution_id": "chase", "institution_name": "Chase",
  "institution_avatar": "https://example.com/a.png", "state": %q, "provider": "mx", "products": {}, "available_products": []%s}`

func TestLoadLinks(t *testing.T) {
	good := "[" + fmt.Sprintf(seedLink, "mk_a", "connected", `, "webhook": "https://example.com/h", "link_tags": ["x"]`) + "," +
		fmt.Sprintf(seedLink, "mk_b", "error", `, "error_code": "auth_expired", "last_synced_at": "2023-02-16T09:14:11"`) + "]"
	links, err := moneykittest.LoadLinks(strings.NewReader(good))
	if err != nil || len(links) != 2 || links[0].LinkID != "mk_a" || links[1].State != "error" {
		t.Fatalf("LoadLinks = %+v, %v", links, err)
	}
	if w, err := links[0].Webhook.Get(); err != nil || w != "https://example.com/h" {
		t.Fatalf("LoadLinks = %+v, %v", links, err)
	}
	if links, err := moneykittest.LoadLinks(strings.NewReader("[]")); err != nil || len(links) != 0 {
		t.Errorf("empty array: %v %v", links, err)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"not JSON", "nope", "want a JSON array of links"},
		{"an object", fmt.Sprintf(seedLink, "mk_a", "connected", ""), "want a JSON array of links"},
		{"not an object", `["mk_a"]`, "link 0 breaks openapi.yaml's Link schema"},
		{"unknown state", "[" + fmt.Sprintf(seedLink, "mk_a", "paused", "") + "]", `link 0 (mk_a) breaks openapi.yaml's Link schema: /state: value is not one of the allowed values`},
		{"every problem listed", "[" + `{"link_id": "mk_a", "state": "connected", "webhook": 3, "products": {}, "available_products": ["bogus"]}` + "]",
			`/institution_id: property "institution_id" is missing`},
		{"bad date-time", "[" + fmt.Sprintf(seedLink, "mk_a", "connected", `, "last_synced_at": "yesterday"`) + "]", `/last_synced_at: string doesn't match the format "date-time"`},
		{"unknown field", "[" + fmt.Sprintf(seedLink, "mk_a", "connected", `, "webhok": "https://x.test"`) + "]", `link 0 (mk_a): json: unknown field "webhok"`},
		{"empty id", "[" + fmt.Sprintf(seedLink, "", "connected", "") + "]", "empty link_id"},
		{"duplicate id", "[" + fmt.Sprintf(seedLink, "mk_a", "connected", "") + "," + fmt.Sprintf(seedLink, "mk_a", "error", "") + "]", "link 1 (mk_a): link_id used twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			links, err := moneykittest.LoadLinks(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) || links != nil {
				t.Errorf("LoadLinks = %v, %v; want an error with %q", links, err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "\nSchema:") {
				t.Errorf("the error dumps the schema: %v", err)
			}
		})
	}
	_, err = moneykittest.LoadLinks(strings.NewReader("[" + `{"link_id": "mk_a", "state": "connected", "webhook": 3, "products": {}, "available_products": ["bogus"]}` + "]"))
	for _, want := range []string{"/institution_name", "/webhook", "/available_products/0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

// A fake seeded from a file: the links of the file, and none of the built-in ones.
func ExampleLoadLinks() {
	file := strings.NewReader(`[{"link_id": "mk_mine", "institution_id": "chase", "institution_name": "Chase",
	  "institution_avatar": "https://example.com/a.png", "state": "connected", "provider": "mx",
	  "products": {}, "available_products": []}]`)
	links, err := moneykittest.LoadLinks(file)
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := moneykittest.NewServer(moneykittest.WithoutSeed())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	for _, l := range links {
		if err := srv.AddLink(l); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(srv.LinkIDs())
	// Output: [mk_mine]
}
