// Package fakeapi is the server side of openapi.yaml, generated for the fake server: a
// spec change the fake does not implement fails to compile.
package fakeapi

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../../../openapi.yaml
