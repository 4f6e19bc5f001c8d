# telechan — the two commands a newcomer needs are `make demo` and `make test`.
# Everything else here is for maintainers. Tools are pinned and fetched by
# `go run`, so nothing has to be installed by hand.

GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.7.0
FUZZTIME    ?= 20s
# Nested modules (each with its own go.mod) are tested too.
MODULES     := . $(patsubst %/go.mod,%,$(wildcard */go.mod */*/go.mod))

.PHONY: demo test fmt checkfmt vet lint bench bench-quick fuzz generate checkgenerate

## demo: run the end-to-end demo over real WebSockets on loopback
demo:
	$(GO) run ./examples/demo

## test: the whole suite with the race detector, nested modules included
test: checkfmt vet
	@set -e; for m in $(MODULES); do \
		echo "== go test $$m"; \
		(cd $$m && $(GO) test -race -count=1 -timeout 8m ./...); \
	done

## fmt: format the code
fmt:
	gofmt -s -w .

checkfmt:
	@out=$$(gofmt -s -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) vet ./...); done

## lint: vet and staticcheck
lint: vet
	$(GO) run $(STATICCHECK) ./...

## bench: telechan against its peers, every figure, medians of 3 runs (a few
## minutes); JSON lines on stdout, table and chart in bench/results/
bench:
	cd bench && $(GO) run ./cmd/benchrun -out results

## bench-quick: every figure once with short windows (under a minute); also
## writes bench/results/
bench-quick:
	cd bench && $(GO) run ./cmd/benchrun -quick -out results

## generate: regenerate rtc clients (go:generate) and rtcgen's golden files
generate:
	$(GO) generate ./...
	cd bench && $(GO) generate ./...
	$(GO) test ./cmd/rtcgen -run TestGolden -update

## checkgenerate: fail if generated files are stale (also part of make test)
checkgenerate:
	$(GO) test -count=1 ./cmd/rtcgen -run 'TestGolden|TestCommittedUpToDate'

## fuzz: run every fuzz target for FUZZTIME each
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done
