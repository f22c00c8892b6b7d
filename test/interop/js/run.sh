#!/usr/bin/env bash
# Interop tests of @confluentinc/schemaregistry (client, Avro/JSON/Protobuf serdes)
# against a registry built from this repository.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
npm ci --no-audit --no-fund || npm install --no-audit --no-fund
exec node --test --test-reporter=spec "$@" test/interop.test.js test/oauth.test.js test/encryption.test.js
