// Package secrets lists the forms in which a secret (an access token, a client secret)
// can come back in text a server or proxy sends: the one list that both the client's
// errors and the command-line tool's output are scrubbed of.
package secrets

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"net/url"
	"strconv"
	"strings"
)

// Forms returns s as it may be repeated: raw (so also inside "Bearer <token>"), URL- and
// path-escaped with upper- or lower-case hex digits, quoted as Go's %q and JSON do (also
// with JSON's optional \/, and a JSON string quoted again, as time.Parse errors show it),
// HTML-escaped, and base64 (unpadded, which a padded echo contains). Empty for "".
func Forms(s string) []string {
	if s == "" {
		return nil
	}
	q, p := url.QueryEscape(s), url.PathEscape(s)
	js, _ := json.Marshal(s) // Go escapes <, > and & as \u003c...
	quoted := strconv.Quote(s)
	inJSON := string(js[1 : len(js)-1])
	quotedJSON := strconv.Quote(inJSON)
	return []string{s, q, p, lowerHex(q), lowerHex(p), quoted[1 : len(quoted)-1], inJSON,
		strings.ReplaceAll(inJSON, "/", `\/`), quotedJSON[1 : len(quotedJSON)-1], html.EscapeString(s),
		base64.RawStdEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s))}
}

// BasicForms returns the HTTP Basic credentials of id and secret as they may be repeated:
// the base64 of "id:secret", plain and as x/oauth2 sends it (each half URL-escaped first,
// RFC 6749 2.3.1), unpadded. Empty when either is "".
func BasicForms(id, secret string) []string {
	if id == "" || secret == "" {
		return nil
	}
	var forms []string
	for _, pair := range []string{id + ":" + secret, url.QueryEscape(id) + ":" + url.QueryEscape(secret)} {
		forms = append(forms, base64.RawStdEncoding.EncodeToString([]byte(pair)), base64.RawURLEncoding.EncodeToString([]byte(pair)))
	}
	return forms
}

// lowerHex rewrites percent-escapes with lower-case hex digits (%2f for %2F): servers
// differ.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			for j := i + 1; j <= i+2; j++ {
				if 'A' <= b[j] && b[j] <= 'F' {
					b[j] += 'a' - 'A'
				}
			}
		}
	}
	return string(b)
}
