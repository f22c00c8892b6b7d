#!/usr/bin/env bash
# Runs the Go client interop suite (franz-go pkg/sr, confluent-kafka-go's
# schemaregistry REST client) against a registry built from this repository.
# With SR_TEST_KAFKA set to a broker, franz-go also produces through the
# validating proxy (cmd/sr-proxy). CGO_ENABLED=0 proves no client needs cgo.
set -euo pipefail
cd "$(dirname "$0")" && CGO_ENABLED=0 go test -count=1 -v ./...
