# Everything runs through the go command; tools are pinned in go.mod (`go tool`).
GO ?= go

.PHONY: all help run test lint generate check-generated spec check fuzz bench bench-bulk soak

all: check

## help: list the targets and what they do
help:
	@awk '/^## [a-z-]+:/ { sub(/^## /, ""); split($$0, a, ": "); printf "  %-16s %s\n", a[1], substr($$0, length(a[1]) + 3); next } \
	      /^## / { sub(/^## /, ""); printf "  %-16s %s\n", "", $$0 }' $(MAKEFILE_LIST)

## run: the command-line tool's demo on the embedded fake server (no account needed)
run:
	$(GO) run ./cmd/moneykit demo

## test: all tests, with the race detector
test:
	$(GO) test -race ./...

## lint: formatting, go vet and staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

## generate: regenerate api/ and spec/ from openapi.yaml
generate:
	$(GO) generate ./...

## check-generated: fail when the committed generated code differs from what generate makes
check-generated: generate
	@if [ -n "$$(git status --porcelain -- '*.gen.go')" ]; then \
		echo "generated code is stale; run 'make generate' and commit:"; git status --porcelain -- '*.gen.go'; git diff --stat -- '*.gen.go'; exit 1; fi

## spec: validate openapi.yaml (kin-openapi, examples included) and the fixtures
spec:
	$(GO) test -count=1 -run 'TestSpec|TestValidateExamples|TestFixtures' ./spec

FUZZTIME ?= 30s
FUZZ_TARGETS = FuzzErrorBody FuzzLinkDecode FuzzLinkID FuzzUpdateParams

## fuzz: run each fuzz target for FUZZTIME (CI: FUZZTIME=3s)
fuzz:
	@for f in $(FUZZ_TARGETS); do echo "== $$f"; $(GO) test -run='^$$' -fuzz="^$$f\$$" -fuzztime=$(FUZZTIME) ./wrapper || exit 1; done

BENCHCOUNT ?= 10
BENCHDIR = $(CURDIR)/.bench

## bench: per-call cost of the wrapper and the generated client against plain net/http
## (the floor), printed by benchstat against the floor; then the wrapper against the
## targets (time within 1.25x of the floor, allocations within the floor + 25).
## BENCHCOUNT rounds, each running every variant once, so that a slow spell of a shared
## machine falls on all of them alike (-count would run one variant's samples back to back)
bench:
	@mkdir -p $(BENCHDIR)
	$(GO) test -c -o $(BENCHDIR)/wrapper.test ./wrapper
	@rm -f bench.out; for i in $$(seq $(BENCHCOUNT)); do echo "round $$i of $(BENCHCOUNT)" >&2; \
		(cd wrapper && $(BENCHDIR)/wrapper.test -test.run='^$$' -test.bench='UpdateLink|DeleteLink|DecodeLink|NoDeadline' \
			-test.benchmem -test.count=1 -test.cpu=1,2) >> bench.out || exit 1; done
	$(GO) tool benchstat -col /impl bench.out
	@echo; echo "wrapper vs floor (targets: time <= 1.25x, allocs <= floor + 25; n.s.: no significant difference)"
	@$(GO) tool benchstat -format csv -col /impl bench.out 2>/dev/null | awk -F, ' \
		$$1 == "" && $$2 ~ /\/op$$/ { unit = $$2; next } \
		$$1 == "" || $$1 == "geomean" || NF < 10 { next } \
		unit == "sec/op" { r = $$8 / $$2; t[$$1] = sprintf("time %.2fx%s%s", r, $$10 == "~" ? " (n.s.)" : "", r > 1.25 && $$10 != "~" ? " OVER" : ""); order[++n] = $$1 } \
		unit == "allocs/op" { d = $$8 - $$2; a[$$1] = sprintf("allocs %d vs %d (%+d)%s", $$8, $$2, d, d > 25 ? " OVER" : "") } \
		END { for (i = 1; i <= n; i++) printf "  %-28s %-22s %s\n", order[i], t[order[i]], a[order[i]] }'

## bench-bulk: bulk figures: 2,000 links at 100 req/s (with and without 2% 5xx faults);
## the adaptive rate: the client at 2x the server's limit (goodput-%, 429-%, failed) and
## at its rate with its burst (x-ideal); peak memory of the CLI over 2,000 vs 100,000 ids
## (about three minutes)
bench-bulk:
	$(GO) test -run='^$$' -bench='BulkAtRateLimit|BulkAdaptive' -benchtime=1x ./wrapper
	$(GO) test -run='^$$' -bench='BulkMemory' -benchtime=1x ./cmd/moneykit

SOAK_IDS ?= 10000
SOAK_KILLS ?= 8
SOAK_SEED ?=

## soak: the CLI bulk soak test at full size: SOAK_IDS ids through faults and SOAK_KILLS
## kill -9 and resume cycles (go test runs it with 1,500 ids and 3 kills); SOAK_SEED=n
## replays a seed printed by a failure
soak:
	MONEYKIT_SOAK_IDS=$(SOAK_IDS) MONEYKIT_SOAK_KILLS=$(SOAK_KILLS) MONEYKIT_SOAK_SEED=$(SOAK_SEED) \
		$(GO) test -race -count=1 -timeout=30m -run='^TestBulkSoak$$' -v ./cmd/moneykit

## check: lint, generated-code drift, spec, all tests, and fuzzing (each fuzz target for
## FUZZTIME, default 30s; CI uses 3s); CI (.ci/run) also verifies go.mod and go.sum
check: lint check-generated spec test fuzz
