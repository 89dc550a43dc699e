// Command moneykit updates and deletes MoneyKit links from the shell.
//
//	moneykit update <link-id> [--webhook URL | --remove-webhook] [--tags a,b | --clear-tags]
//	moneykit delete <link-id>
//	moneykit bulk update|delete --ids FILE|- [--journal FILE]
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
// (no answer from the API), 4 internal error, 130 stopped by SIGINT (Ctrl-C), 143 stopped
// by SIGTERM. A bulk run stops taking ids at the first signal, lets the requests in flight
// end, and prints its summary; a second signal exits at once.
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
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if s, ok := signalOf(ctx); ok && code != exitOK {
		code = s.exitCode() // what stopped it was the signal
	}
	os.Exit(code)
}

// stopSignal is the cause of the program's context when a signal cancels it: run tells
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
