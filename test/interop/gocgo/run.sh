#!/usr/bin/env bash
# Runs the confluent-kafka-go serde interop (field-level encryption with its
# local KMS; the associated name strategy, the serdes' default) against a
# registry built from this repository. The serde package links librdkafka:
# cgo is on here (test/interop/go proves the REST clients need none). With
# SR_TEST_KAFKA set to a broker, librdkafka also produces through the
# validating proxy (cmd/sr-proxy).
set -euo pipefail
cd "$(dirname "$0")" && CGO_ENABLED=1 go test -count=1 -v ./...
