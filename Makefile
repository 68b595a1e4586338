# leaderfault — see README.md
GO       ?= go
PKGS     ?= ./...
FUZZTIME ?= 10m
# staticcheck is run at a pinned version with "go run pkg@version" so it stays
# out of go.mod (not a dependency of the library); the module proxy serves it.
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: test test-etcd35 test-etcd3515 test-processes test-rates vet race bench repro fuzz stress build mutants etcdctl incident etcd-release etcd-release-35
STRESS_N ?= 20

# Parallel tests (the mutants, the plain client): every scenario run waits for
# admission (internal/admission: measured headroom, across every process),
# which is what bounds the machine's load; -parallel only offers them.
PARALLEL ?= 16

## test: vet + the whole test suite (what CI runs)
test: vet etcd-release
	$(GO) test -count=1 -parallel $(PARALLEL) -timeout 12m $(PKGS)

## etcd-release, etcd-release-35: the etcd binary of the release each build
## links, for members as processes (leader-pause, --processes), built once per
## machine before the tests so that no run's deadline pays for it (the tests
## build it themselves otherwise)
etcd-release:
	$(GO) run ./cmd/leaderfault etcd >/dev/null
etcd-release-35:
	$(GO) run $(ETCD35) ./cmd/leaderfault etcd >/dev/null

## test-processes: the whole test suite with every scenario run's members as
## processes (LEADERFAULT_PROCESSES=1); harness tests choose their backend
## themselves. CI does this on the v3.5 line (make test-etcd35 with it set).
test-processes: etcd-release
	LEADERFAULT_PROCESSES=1 $(GO) test -count=1 -parallel $(PARALLEL) -timeout 12m $(PKGS)

## test-etcd35: the whole test suite, catalog included, on the etcd v3.5 line
## (server and client v3.5.35: go.etcd35.mod with build tag etcd35)
ETCD35 = -modfile=go.etcd35.mod -tags etcd35
ETCD35_PKGS ?= $(PKGS)
test-etcd35: etcd-release-35
	$(GO) test $(ETCD35) -count=1 -parallel $(PARALLEL) -timeout 12m $(ETCD35_PKGS)

## test-etcd3515: harness, advancer and the scenario catalog on etcd v3.5.15,
## the version tikv/pd pins (before the v3.5.22 backport of etcd-io/etcd#20229).
## A measurement, not in CI: it fails where v3.5.15 differs (docs/guide-reproduce.md,
## "On the etcd your cluster runs"; docs/measurements.md: a Start whose context is already cancelled never
## returns, TestStartErrorLeavesNothingBehind; two catalog cells)
ETCD3515 = -modfile=go.etcd3515.mod -tags etcd35
test-etcd3515:
	$(GO) test $(ETCD3515) -count=1 -timeout 12m ./harness/ ./advancer/ ./advancer/model/ ./workload/ ./runner/ ./scenarios/...

## test-rates: the catalog's known lines with rate=N%, judged over RATE_REPEATS
## runs of each scenario/preset pair that has one (runner.TestCatalogRates):
## the count of runs each line showed in against N, exact binomial test.
## 14 pairs x 20 = 280 runs: 6.5 min at the fast profile, two runs at a time.
RATE_REPEATS ?= 20
test-rates:
	LEADERFAULT_RATE_REPEATS=$(RATE_REPEATS) $(GO) test -count=1 -timeout 30m -run 'TestCatalogRates' ./runner/

## vet: the style gate — gofmt, no non-test file over 500 lines, go vet,
## staticcheck, and go.mod/go.sum tidy
vet:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@out=$$(git ls-files '*.go' | grep -v '_test.go$$' | xargs wc -l | awk '$$2 != "total" && $$1 > 500'); if [ -n "$$out" ]; then echo "non-test files over 500 lines:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) vet $(ETCD35) $(PKGS)
	$(GO) vet $(ETCD3515) $(PKGS)
	$(STATICCHECK) $(PKGS)
	$(GO) mod tidy -diff
	$(GO) mod tidy -modfile=go.etcd35.mod -diff
	$(GO) mod tidy -modfile=go.etcd3515.mod -diff

## race: the race detector on the library packages; the scenario runs at
## the fast profile (LEADERFAULT_TIME=fast), where under -race only their code
## paths, validity and invariants are judged; the catalog runs each scenario
## with one preset, the presets in turn
race: etcd-release
	LEADERFAULT_TIME=fast $(GO) test -count=1 -race -timeout 20m ./failpoints/... ./harness/... ./advancer/ ./advancer/model/ ./advancer/external/ ./workload/ ./internal/memberclient/ ./check/ ./record/ ./runner/ ./scenarios/...

## bench: start-up, leader transfer, disk and catalog-admission benchmarks (ratios in one run)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 10x ./harness/
	$(GO) test -run '^$$' -bench . -benchtime 2s ./harness/disk/
	$(GO) test -run '^$$' -bench CatalogAdmission -benchtime 1x ./runner/

## repro: the headline reproduction — leader disk stall, the four presets side by side
repro:
	$(GO) run ./cmd/leaderfault run leader-disk-stall --advancer all

## incident: the incident-length tier (scenarios/incident: faults of 60 s,
## 10 production minutes at scale 10) for every preset; per scenario and
## preset the verdict and how long the advancer stayed stalled after the heal.
## Minutes of wall time; not in make test. INCIDENT_REPEAT=N for the spread.
INCIDENT_REPEAT ?= 1
INCIDENT_JSON   ?= /tmp/leaderfault-incident.json
incident:
	@start=$$(date +%s); \
	$(GO) run ./cmd/leaderfault run incident --advancer all --time fast --repeat $(INCIDENT_REPEAT) --timeline none --json $(INCIDENT_JSON); rc=$$?; \
	echo "make incident: $$(( $$(date +%s) - start ))s wall; JSON report (timelines): $(INCIDENT_JSON)"; exit $$rc

## fuzz: each fuzz target for FUZZTIME
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseTerm -fuzztime $(FUZZTIME) ./failpoints/
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./scenarios/script/

## stress: while a CPU hog keeps one core busy: the catalog suite STRESS_N
## times, the robust design under another name through advancertest STRESS_N
## times (judged on the requirements alone), and the mutants' kill matrix
## once; prints failures per scenario/preset (target: none)
stress:
	$(GO) test -c -o /tmp/leaderfault-runner.test ./runner/
	$(GO) test -c -o /tmp/leaderfault-advancertest.test ./advancer/advancertest/
	@command -v taskset >/dev/null && pin="taskset -c 1" || pin=""; \
	$$pin sh -c 'while :; do :; done' & hog=$$!; trap "kill $$hog" EXIT INT TERM; \
	start=$$(date +%s); \
	(cd runner && /tmp/leaderfault-runner.test -test.run '^TestCatalog$$' -test.count $(STRESS_N) -test.v -test.timeout 0) >/tmp/leaderfault-stress.log 2>&1; \
	(cd advancer/advancertest && /tmp/leaderfault-advancertest.test -test.run '^TestMyAdvancerRecovers$$' -test.count $(STRESS_N) -test.v -test.timeout 0) >>/tmp/leaderfault-stress.log 2>&1; \
	(cd advancer/advancertest && LEADERFAULT_KILL_MATRIX=1 /tmp/leaderfault-advancertest.test -test.run '^TestKillMatrix$$' -test.v -test.timeout 0) >/tmp/leaderfault-kill-matrix.log 2>&1 || echo "kill matrix: a mutant survived (see /tmp/leaderfault-kill-matrix.log)"; \
	runs=$$(grep -cE -- '--- (PASS|FAIL|SKIP): (TestCatalog|TestMyAdvancerRecovers)/[^ ]+ ' /tmp/leaderfault-stress.log); \
	fails=$$(grep -E -- '--- FAIL: (TestCatalog|TestMyAdvancerRecovers)/[^ ]+ ' /tmp/leaderfault-stress.log | sed -E 's/.*--- FAIL: ([^ ]+) .*/\1/' | sort | uniq -c); \
	echo "stress: $(STRESS_N)× catalog and $(STRESS_N)× advancertest, $$runs scenario runs, $$(( $$(date +%s) - start ))s, CPU hog on one core"; \
	grep -E '^\s+\| ' /tmp/leaderfault-kill-matrix.log | sed -E 's/^\s+//' ; \
	if [ -n "$$fails" ]; then echo "failures per scenario/preset:"; echo "$$fails"; exit 1; else echo "failures: 0"; fi

## mutants: every known-bad advancer on every catalog scenario; prints the
## kill matrix (each mutant must FAIL at least one scenario)
mutants:
	LEADERFAULT_KILL_MATRIX=1 $(GO) test -count=1 -timeout 30m -run '^TestKillMatrix$$' -v ./advancer/advancertest/ | grep -v '^=== '

## build: the CLI for every etcd build, bin/leaderfault (etcd 3.7.3),
## bin/leaderfault-etcd3.5 (3.5.35) and bin/leaderfault-etcd3.5.15 (tikv/pd's
## pin); each runs the others with --etcd
build:
	$(GO) build -o bin/leaderfault ./cmd/leaderfault
	$(GO) build $(ETCD35) -o bin/leaderfault-etcd3.5 ./cmd/leaderfault
	$(GO) build $(ETCD3515) -o bin/leaderfault-etcd3.5.15 ./cmd/leaderfault

## etcdctl: stock etcdctl v3.5.35 (the client line TiDB ships) and v3.7.3 as
## out-of-process advancers: bin/etcdctl-3.5, bin/etcdctl-3.7 and
## bin/etcdctl-adapter (docs/exec-protocol.md). Each etcdctl is built from a
## helper module of its own under tools/ ("go install ...@v3.5.35" refuses:
## etcd's go.mod has replace directives), so neither is in our go.mod.
etcdctl:
	cd tools/etcdctl35 && $(GO) build -o ../../bin/etcdctl-3.5 go.etcd.io/etcd/etcdctl/v3
	cd tools/etcdctl37 && $(GO) build -o ../../bin/etcdctl-3.7 go.etcd.io/etcd/etcdctl/v3
	$(GO) build -o bin/etcdctl-adapter ./cmd/etcdctl-adapter
	@bin/etcdctl-3.5 version | head -1; bin/etcdctl-3.7 version | head -1

## scale-check: does a run at the fast profile (advancer scale 10) reach the
## verdict a run in production time would? Every catalog scenario and preset
## SCALE_FAST_N times at the fast profile and once with --time production
## (etcd's default timing, advancer scale 1, every script duration x10), two
## CLI shards per side, then "leaderfault compare": verdicts must agree and
## recovery / election timeout within the tolerance (docs/measurements.md,
## "Time scaling"). ~17-20 min on 2 cores (SCALE_FAST_N 2-5); not in CI.
.PHONY: scale-check
SCALE_FAST_N ?= 5
SCALE_DIR    ?= /tmp/leaderfault-scale
scale-check:
	mkdir -p $(SCALE_DIR)
	$(GO) build -o $(SCALE_DIR)/leaderfault ./cmd/leaderfault
	@cd $(SCALE_DIR) && start=$$(date +%s); \
	for i in 1 2; do \
	  ./leaderfault run all --advancer all --time fast --repeat $(SCALE_FAST_N) --timeline none --quiet --shard $$i/2 --json fast$$i.json >fast$$i.log 2>&1 & \
	  ./leaderfault run all --advancer all --time production --timeline none --quiet --shard $$i/2 --json production$$i.json >production$$i.log 2>&1 & \
	done; wait; \
	./leaderfault merge fast1.json fast2.json --json fast.json >/dev/null; \
	./leaderfault merge production1.json production2.json --json production.json >/dev/null; \
	echo "scale-check: $$(( $$(date +%s) - start ))s; reports in $(SCALE_DIR)"; \
	./leaderfault compare fast.json production.json

## clients: real etcd clients (clients/: the Kubernetes apiserver's storage
## and watch cache, Vitess topo, go-zero discov) through the whole catalog,
## CLIENTS_REPEAT times each; a JSON report per client in CLIENTS_OUT and the
## table docs/clients.md (fails while a FAIL has no entry in
## clients/mechanisms.yaml). Long: each client's pass is printed with its
## wall time. CLIENTS=... runs a subset. Not in CI.
.PHONY: clients clients-smoke vet-clients

## vet-clients: the style gate on the nested client modules (they download
## and build k8s.io/apiserver and Vitess: minutes, so not part of make vet)
vet-clients:
	@for m in $(CLIENT_MODULES); do \
	  echo "vet: clients module $$m"; \
	  (cd $$m && $(GO) vet ./... && $(STATICCHECK) ./... && $(GO) mod tidy -diff) || exit 1; \
	done
CLIENT_MODULES = clients clients/apiserver clients/vitess clients/gozero clients/execproto
CLIENTS_REPEAT ?= 3
CLIENTS_OUT    ?= out
clients:
	GO="$(GO)" CLIENTS_REPEAT=$(CLIENTS_REPEAT) CLIENTS_OUT=$(CLIENTS_OUT) bash clients/run.sh

## clients-smoke: the CI subset of make clients: go-zero's adapter (a real
## client from its own module, driven through the exec protocol) through
## leader-transfer and leader-crash, and the tests of the table generator and
## the exec protocol. The Kubernetes and Vitess adapters are left to
## clients-each and make clients: on 2 cores their cold builds take 4m47s and
## 1m31s, more than CI's 3 minutes for clients.
clients-smoke:
	cd clients && $(GO) test -count=1 -timeout 10m -run 'TestGozeroSeesAdvances' .
	cd clients && $(GO) test -count=1 ./table/
	cd clients/execproto && $(GO) test -count=1 .

## clients-each: every client adapter once through leader-transfer (its own
## test's first scenario): minutes, for the cold builds
.PHONY: clients-each
clients-each:
	cd clients/apiserver && $(GO) test -count=1 -timeout 10m -run 'SeesAdvances/leader-transfer|TestCodec' .
	cd clients && $(GO) test -count=1 -timeout 10m -run 'SeesAdvances/leader-transfer' .
	cd clients/execproto && $(GO) test -count=1 .
