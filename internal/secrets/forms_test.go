package secrets

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Each way an encoder can repeat a secret is among its forms.
func TestFormsCoverEncoders(t *testing.T) {
	const s = `s3cr/t+x=y&z<"é">`
	forms := Forms(s)
	js, _ := json.Marshal(s)
	for name, echo := range map[string]string{
		"raw":              s,
		"form-encoded":     url.QueryEscape(s),
		"lower-case hex":   strings.NewReplacer("%2F", "%2f", "%2B", "%2b", "%3D", "%3d", "%3C", "%3c", "%3E", "%3e", "%C3", "%c3", "%A9", "%a9").Replace(url.QueryEscape(s)),
		"path-escaped":     url.PathEscape(s),
		"JSON":             string(js[1 : len(js)-1]),
		"base64, padded":   base64.StdEncoding.EncodeToString([]byte(s)),
		"base64url":        base64.URLEncoding.EncodeToString([]byte(s)),
		"HTML-escaped":     "s3cr/t+x=y&amp;z&lt;&#34;é&#34;&gt;",
		"JSON, slash-esc.": strings.ReplaceAll(string(js[1:len(js)-1]), "/", `\/`),
	} {
		if !slices.ContainsFunc(forms, func(f string) bool { return strings.Contains(echo, f) }) {
			t.Errorf("%s echo %q contains none of the forms", name, echo)
		}
	}
	if Forms("") != nil || BasicForms("id", "") != nil {
		t.Error("an empty secret has forms")
	}
	basic := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape("app 1") + ":" + url.QueryEscape(s)))
	if !slices.ContainsFunc(BasicForms("app 1", s), func(f string) bool { return strings.Contains(basic, f) }) {
		t.Errorf("x/oauth2's Basic header %q contains none of the forms", basic)
	}
}
