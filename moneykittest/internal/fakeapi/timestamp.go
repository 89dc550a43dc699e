package fakeapi

import "github.com/halyard-labs/moneykit-go/api"

// Timestamp is the spec's x-go-type for date-times (written by hand; see api.Timestamp).
type Timestamp = api.Timestamp
