# dynomite-go: `make help` lists the targets.
GO        ?= go
BIN       := bin
FUZZTIME  ?= 60s
DATA_STORE ?= redis
RACKS ?= 3
export GOFLAGS := -buildvcs=false

.PHONY: help build run test test-go fuzz fuzz-smoke bench soak perf lint verify deps clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-12s %s\n",$$1,$$2}'

build: ## build bin/dynomite, bin/dynomite-bench and bin/dynomite-run
	$(GO) build -o $(BIN)/ ./cmd/...

deps: ## install redis-server, redis-tools and memcached when missing (Debian, as root)
	@if ! command -v redis-server >/dev/null || ! command -v memcached >/dev/null || ! command -v redis-cli >/dev/null; then \
		echo "installing redis-server memcached redis-tools"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server memcached redis-tools >/dev/null; \
	fi
	@redis-server --version | head -1; memcached -V

run: deps build ## start a local 3-rack cluster in front of real Redis (RACKS=1: one node; DATA_STORE=memcached); Ctrl-C stops everything
	$(BIN)/dynomite-run -data-store $(DATA_STORE) -racks $(RACKS)

test: deps cross test-go test-portable fuzz-smoke ## all tests: cross-builds, unit, integration (real redis-server/memcached), race, portable build, fuzz smoke

# engine/e2e drives the dynomite binary, built without the race detector,
# in processes of its own: under -race only the test's clients would be
# checked, at twice the time, so it runs without it; every other package
# (the engine's own concurrency included) runs under -race.
test-go:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 9m $$($(GO) list ./... | grep -v '/engine/e2e$$')
	$(GO) test -count=1 -timeout 9m ./engine/e2e/

# The smoke budget is a count of inputs, not a duration: Go 1.26's fuzz
# coordinator can fail a run that hits its deadline while a worker is
# minimizing ("context deadline exceeded", no failing input written;
# golang/go#75804, fixed in Go 1.27). A count ends the run between inputs.
# SMOKEEXECS is per target, sized so that the 19 targets together stay
# near two minutes on 2 cores (each also compiles its package with
# coverage); the FUZZEXECS_<target> lines size the slower targets. `make
# fuzz` explores for longer.
SMOKEEXECS ?= 60000
FUZZEXECS_FuzzRESPReply   ?= 20000
FUZZEXECS_FuzzRESPRequest ?= 30000
export FUZZEXECS_FuzzRESPReply FUZZEXECS_FuzzRESPRequest

fuzz-smoke: ## run every fuzz target for a fixed count of inputs (SMOKEEXECS, FUZZEXECS_<target>)
	@set -e; for t in $$(grep -rhoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' . | sed 's/func //' | sort -u); do \
		pkg=$$(grep -rlE "^func $$t\(" --include='*_test.go' . | head -1 | xargs dirname); \
		n=$$(printenv FUZZEXECS_$$t || echo $(SMOKEEXECS)); \
		echo "fuzz $$pkg $$t ($${n} inputs)"; \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $${n}x $$pkg; \
	done

fuzz: ## run every fuzz target for FUZZTIME (default 60s; a duration, for exploring by hand)
	@set -e; for t in $$(grep -rhoE '^func Fuzz[A-Za-z0-9_]+' --include='*_test.go' . | sed 's/func //' | sort -u); do \
		pkg=$$(grep -rlE "^func $$t\(" --include='*_test.go' . | head -1 | xargs dirname); \
		echo "fuzz $$pkg $$t ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

bench: deps bench-deps build ## benchmark matrix: Redis direct, floor, twemproxy vs dynomite-go (memtier_benchmark if on PATH or MEMTIER=path); vs C Dynomite with its 3-rack clusters: DYNOMITE_C=path; vs another build: BENCHFLAGS="-baseline path/to/old/dynomite -reps 5"
	$(if $(findstring -stats-cost,$(BENCHFLAGS)),$(GO) build -tags nostats -o $(BIN)/dynomite-nostats ./cmd/dynomite)
	$(BIN)/dynomite-bench matrix $(if $(TOOL),-tool $(TOOL)) $(if $(MEMTIER),-memtier $(MEMTIER)) $(if $(DYNOMITE_C),-dynomite-c $(DYNOMITE_C) -cluster) $(BENCHFLAGS)

# twemproxy (Debian's nutcracker, in /usr/sbin) is one of the bench's peers;
# when it cannot be installed the matrix leaves twem-* out with a note.
.PHONY: bench-deps
bench-deps:
	@if ! command -v nutcracker >/dev/null && [ ! -x /usr/sbin/nutcracker ]; then \
		echo "installing nutcracker (twemproxy)"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nutcracker >/dev/null || \
			echo "cannot install nutcracker: the matrix runs without twemproxy"; \
	fi

soak: deps build ## one node under the mix load for 10 min: peak RSS < 64 MB and flat, PASS/FAIL (SOAKFLAGS=-duration 1m ...)
	$(BIN)/dynomite-bench soak $(SOAKFLAGS)

perf: deps build ## micro-benchmarks of the hot paths with -benchmem and pprof top 15 (CPU, alloc bytes/objects)
	$(BIN)/dynomite-bench perf ./perf/ ./codec/... ./ring/... ./replica/...

lint: ## gofmt, go vet, staticcheck (when installed)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: $$out"; exit 1; fi
	$(GO) vet ./...
	@if command -v staticcheck >/dev/null; then staticcheck ./...; else echo "staticcheck not installed: go install honnef.co/go/tools/cmd/staticcheck@latest"; fi

verify: lint ## lint + go mod tidy diff + dependency-direction test
	$(GO) mod tidy && git diff --exit-code go.mod go.sum
	$(GO) test -run TestLayering ./cmd/dynomite/

.PHONY: cross test-portable
CROSS ?= linux/arm64 darwin/amd64

cross: ## go build and go vet for each GOOS/GOARCH of CROSS, and go vet -tags portable
	@set -e; for p in $(CROSS); do \
		echo "GOOS=$${p%/*} GOARCH=$${p#*/}: go build ./... && go vet ./..."; \
		GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) build ./...; \
		GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) vet ./...; \
	done
	$(GO) vet -tags portable ./...

# The portable build differs in the socket layer only (no busy-poll, net.Dialer
# dial): its run covers the tests of that layer's users (forwarding, clusters,
# memcached, slow readers, half-close, timeouts, TLS, shutdown, allocation pins),
# not the whole engine package a second time.
PORTABLE_TESTS ?= Forward|Alloc|Spin|Dial|Slow|Half|Shutdown|TLS|Timeout|Several|Pipeline|Memcache|Cluster

test-portable: ## the engine's socket-layer tests in the portable build (-tags portable: no busy-poll, net.Dialer dial)
	$(GO) test -count=1 -tags portable -run '$(PORTABLE_TESTS)' ./engine/

clean: ## remove build output
	rm -rf $(BIN)
