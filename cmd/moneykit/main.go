// Command moneykit updates and deletes MoneyKit links from the shell.
//
//	moneykit update <link-id> [--webhook URL | --remove-webhook] [--tags a,b | --clear-tags]
//	moneykit delete <link-id>
//	moneykit bulk update|delete --ids FILE|- [flags]
//	moneykit demo
//	moneykit version
//
// Credentials come from the environment: an access token (MONEYKIT_ACCESS_TOKEN, or
// --token-file FILE), or client credentials (MONEYKIT_CLIENT_ID and MONEYKIT_CLIENT_SECRET,
// or --client-id ID and --client-secret-file FILE), with which it fetches and renews
// tokens itself; not both. MONEYKIT_BASE_URL optionally sets the API's URL. Without
// credentials it refuses to run. The embedded fake MoneyKit API runs only when asked for,
// with no account needed: by the demo, or with --fake (or MONEYKIT_BASE_URL=fake):
//
//	go run ./cmd/moneykit demo
//	go run ./cmd/moneykit delete mk_eqkWN34UEoa2NxyALG8pcV --fake
//
// Exit codes: 0 success, 1 the API answered with an error, 2 usage error (nothing sent),
// 3 network error (no answer from the API), 4 internal error. With --json, every failure
// also prints one {"error": {...}} object on stdout.
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
