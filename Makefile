# leaderfault — see README.md
GO       ?= go
PKGS     ?= ./...
FUZZTIME ?= 10m

.PHONY: test vet race bench repro fuzz stress build

## test: vet + the whole test suite (what CI runs)
test: vet
	$(GO) test -count=1 -timeout 12m $(PKGS)

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

## race: the race detector on the library packages
race:
	$(GO) test -count=1 -race -timeout 20m ./failpoints/... ./harness/... ./advancer/... ./scenarios/...

## bench: start-up, leader transfer and disk benchmarks (ratios in one run)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 10x ./harness/
	$(GO) test -run '^$$' -bench . -benchtime 2s ./harness/disk/

## repro: the headline reproduction — leader disk stall, three advancers side by side
repro:
	$(GO) run ./cmd/leaderfault run leader-disk-stall --advancer all

## fuzz: each fuzz target for FUZZTIME
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseTerm -fuzztime $(FUZZTIME) ./failpoints/
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./scenarios/script/

build:
	$(GO) build -o leaderfault ./cmd/leaderfault
