// Command moneykit updates and deletes MoneyKit links from the shell.
//
//	moneykit update <link-id> [--webhook URL | --remove-webhook] [--tags a,b | --clear-tags]
//	moneykit delete <link-id>
//	moneykit bulk update|delete --ids FILE|- [flags]
//	moneykit serve [flags]            the fake MoneyKit API as a local server, for any language
//	moneykit spec-check <link-id>     does the live API still answer as openapi.yaml says?
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
// also prints one {"error": {...}} object on stdout. SIGINT (Ctrl-C) and SIGTERM cancel a
// command; a bulk run then stops taking ids, lets the requests in flight end, prints its
// summary and exits 130 (SIGINT) or 143 (SIGTERM). A second signal exits at once.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		cancel(stopSignal{(<-sigs).(syscall.Signal)})
		second := stopSignal{(<-sigs).(syscall.Signal)}
		fmt.Fprintf(os.Stderr, "moneykit: %v again: exiting at once\n", second)
		os.Exit(second.exitCode())
	}()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// stopSignal is the cause of the program's context when a signal cancels it: bulk tells
// SIGINT from SIGTERM by it.
type stopSignal struct{ sig syscall.Signal }

func (s stopSignal) Error() string {
	switch s.sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.sig.String()
}

// exitCode is the shell's convention for a program stopped by a signal: 128 + its number.
func (s stopSignal) exitCode() int { return 128 + int(s.sig) }

// signalOf returns the signal that cancelled ctx, if one did.
func signalOf(ctx context.Context) (stopSignal, bool) {
	s, ok := context.Cause(ctx).(stopSignal)
	return s, ok
}
