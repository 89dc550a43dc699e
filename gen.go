// Package moneykit is the root of the MoneyKit links client module.
//
// Import github.com/halyard-labs/moneykit-go/wrapper to update or delete links; package
// api holds the client generated from openapi.yaml by the directive below.
package moneykit

//go:generate go tool oapi-codegen -config oapi-codegen.yaml openapi.yaml
