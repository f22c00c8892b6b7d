"""Starts the registry built from this repository for the whole session
(and, for the tests that must know every id, one of their own)."""
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cleanup(tmp):
    if os.environ.get("INTEROP_KEEP") is None:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print("registry files kept in", tmp)


@pytest.fixture(scope="session")
def registry_binary():
    # INTEROP_REGISTRY_BIN: a binary already built (default: go build from this repository)
    binary = os.environ.get("INTEROP_REGISTRY_BIN")
    if binary:
        yield binary
        return
    tmp = tempfile.mkdtemp(prefix="sr-interop-py-bin-")
    try:
        binary = os.path.join(tmp, "sr")
        subprocess.run(["go", "build", "-o", binary, "./cmd/schema-registry"], cwd=ROOT, check=True)
        yield binary
    finally:
        _cleanup(tmp)


@contextlib.contextmanager
def _running_registry(binary):
    """Runs binary on a free port with an empty data directory; yields its URL."""
    tmp = tempfile.mkdtemp(prefix="sr-interop-py-")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ,
               SCHEMA_REGISTRY_LISTENERS=url,
               SCHEMA_REGISTRY_DATA_DIR=os.path.join(tmp, "data"))
    log = open(os.path.join(tmp, "registry.log"), "wb")
    proc = subprocess.Popen([binary], cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError("registry exited: " + open(log.name).read())
            try:
                if requests.get(url + "/health/ready", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.time() > deadline:
                raise RuntimeError("registry not ready in 30s: " + open(log.name).read())
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        _cleanup(tmp)


@pytest.fixture(scope="session")
def registry_url(registry_binary):
    with _running_registry(registry_binary) as url:
        yield url


@pytest.fixture
def fresh_registry_url(registry_binary):
    """A registry of the test's own, empty when the test starts: for tests
    whose assertions depend on which ids the default context holds."""
    with _running_registry(registry_binary) as url:
        yield url
