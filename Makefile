# SecureNexus developer tasks. `make test` is the one command that runs every
# test, on SQLite and on PostgreSQL (SECURENEXUS_TEST_DATABASE_URL, default
# the local server).
GO ?= go
GOLANGCI_LINT_VERSION := v2.15.0
export SECURENEXUS_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable

# Drop throwaway test databases and templates left behind (killed runs, old
# schema versions) from the test PostgreSQL server.
testdb-clean:
	psql "$(SECURENEXUS_TEST_DATABASE_URL)" -Atc "SELECT 'DROP DATABASE IF EXISTS ' || quote_ident(datname) || ' WITH (FORCE);' FROM pg_database WHERE datname LIKE 'sn\_test\_%' OR datname LIKE 'sn\_tpl\_%'" | psql "$(SECURENEXUS_TEST_DATABASE_URL)" -q

.PHONY: testdb-clean test conformance run build lint fmt vet openapi docs web bench test-web web-verify

test: web/node_modules /usr/bin/chromium
	$(GO) test -count=1 -timeout 12m ./...

# Conformance suite: the normalizer, entity and syslog tests over the shared
# vendor sample corpus (build tag conformance). The corpus is found in
# SECURENEXUS_CORPUS or as shared/corpus beside the checkout; a missing corpus
# FAILS (it is never skipped). `make test` needs no corpus.
conformance:
	$(GO) test -count=1 -tags conformance ./internal/normalize/ ./internal/entity/ ./internal/syslog/ ./internal/attack/ ./internal/intel/

run:
	$(GO) run ./cmd/securenexus serve --demo

build:
	$(GO) build -o bin/securenexus ./cmd/securenexus

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...

lint:
	golangci-lint run ./...

# Regenerate the committed OpenAPI document and configuration reference.
openapi:
	$(GO) run ./cmd/securenexus openapi > api/openapi.yaml

docs:
	$(GO) run ./cmd/securenexus config docs > docs/configuration.md

web:
	cd web && npm ci && npm run build

# The web UI's unit and browser tests run from `go test ./internal/web`;
# they need web/node_modules (and /usr/bin/chromium for the browser test).
web/node_modules: web/package-lock.json
	cd web && npm ci --no-audit --no-fund

# The browser test drives Debian's chromium (no browser download works here).
/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

test-web: web/node_modules /usr/bin/chromium
	cd web && npm test
	$(GO) test -count=1 ./internal/web/...

# CI: the committed bundle must be exactly what a fresh build produces.
web-verify:
	cd web && npm ci --no-audit --no-fund && npm run build
	@test -z "$$(git status --porcelain internal/web/dist)" || { git status --porcelain internal/web/dist; echo "internal/web/dist is stale: run make web and commit it"; exit 1; }
