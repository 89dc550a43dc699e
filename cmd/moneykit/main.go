// Command moneykit updates and deletes MoneyKit links from the shell.
//
//	moneykit update <link-id> [--webhook URL | --remove-webhook] [--tags a,b | --clear-tags]
//	moneykit delete <link-id>
//	moneykit demo
//	moneykit version
//
// Credentials come from the environment: MONEYKIT_ACCESS_TOKEN (or --token-file FILE) and,
// optionally, MONEYKIT_BASE_URL. With neither set, it starts the embedded fake MoneyKit API
// and runs against it, so it works on a fresh clone with no account:
//
//	go run ./cmd/moneykit demo
//
// Exit codes: 0 success, 1 the API answered with an error, 2 usage error, 3 network error
// (no answer from the API), 4 internal error.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
