package api

import (
	"bytes"
	"errors"
	"time"
)

// Timestamp is a date-time sent by the MoneyKit API (the spec maps format date-time to it
// with x-go-type). It decodes RFC 3339, and also the zone-less form that MoneyKit's
// reference shows ("2023-02-16T09:14:11"), which it reads as UTC. JSON null leaves it zero.
// It encodes as RFC 3339.
//
// This file and doc.go are written by hand; the rest of package api is generated.
type Timestamp struct {
	time.Time
}

// ErrTimestampNotString is the error for a timestamp sent as something other than a string.
var ErrTimestampNotString = errors.New("api: timestamp is not a JSON string")

// zonelessLayout is RFC 3339 without the zone; fractional seconds are accepted on parse.
const zonelessLayout = "2006-01-02T15:04:05.999999999"

// UnmarshalJSON implements json.Unmarshaler.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return ErrTimestampNotString
	}
	if hasZone(b[1 : len(b)-1]) {
		return t.Time.UnmarshalJSON(b) // RFC 3339, parsed without allocating
	}
	parsed, err := time.ParseInLocation(zonelessLayout, string(b[1:len(b)-1]), time.UTC)
	if err != nil {
		return err
	}
	t.Time = parsed
	return nil
}

// MarshalJSON implements json.Marshaler; the zero Timestamp encodes as null.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return t.Time.MarshalJSON()
}

// ParseTimestamp parses s as RFC 3339, or as an RFC 3339 date-time without a zone, in UTC.
func ParseTimestamp(s string) (time.Time, error) {
	if hasZone(s) {
		return time.Parse(time.RFC3339Nano, s)
	}
	return time.ParseInLocation(zonelessLayout, s, time.UTC)
}

// hasZone reports whether an RFC 3339-shaped s ends in Z or a ±hh:mm offset.
func hasZone[S string | []byte](s S) bool {
	n := len(s)
	if n == 0 {
		return false
	}
	if s[n-1] == 'Z' || s[n-1] == 'z' {
		return true
	}
	return n >= 6 && (s[n-6] == '+' || s[n-6] == '-') && s[n-3] == ':'
}
