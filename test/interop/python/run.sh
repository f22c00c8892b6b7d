#!/usr/bin/env bash
# Interop tests of Python confluent-kafka (SchemaRegistryClient, Avro/JSON/Protobuf
# serializers) against a registry built from this repository, and (with
# SR_TEST_KAFKA set to a broker) producing through the validating proxy.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${INTEROP_CACHE:-$HOME/.cache/sr-interop}"
venv="$cache/venv"
if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$cache"
  python3 -m venv "$venv"
fi
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  "$venv/bin/pip" install --disable-pip-version-check -q -r "$here/requirements.txt"
  echo "$want" > "$stamp"
fi
cd "$here"
exec "$venv/bin/python" -m pytest -p no:cacheprovider -q -rA "$@" test_interop.py test_proxy.py
