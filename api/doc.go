// Package api is the MoneyKit links client generated from openapi.yaml by oapi-codegen
// (`go generate ./...` at the module root): the types on the wire (Link, UpdateLinkRequest,
// the error bodies) and a Client and ClientWithResponses with one method per operation.
//
// Most programs import package wrapper instead, which builds on this one. Only doc.go and
// timestamp.go are written by hand.
package api
