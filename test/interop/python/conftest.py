"""Starts the registry built from this repository for the whole session
(and, for the tests that must know every id, one of their own)."""
import contextlib
import os
import re
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
def _running_registry(binary, **settings):
    """Runs binary on a free port with an empty data directory and the
    settings given (SCHEMA_REGISTRY_ variables without the prefix); yields
    its URL."""
    tmp = tempfile.mkdtemp(prefix="sr-interop-py-")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ,
               SCHEMA_REGISTRY_LISTENERS=url,
               SCHEMA_REGISTRY_DATA_DIR=os.path.join(tmp, "data"))
    for k, v in settings.items():
        env["SCHEMA_REGISTRY_" + k] = v
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


@pytest.fixture(scope="session")
def idp():
    """The interop identity provider (test/interop/idp): a JWKS and a
    client-credentials token endpoint; the client py-app may write."""
    tmp = tempfile.mkdtemp(prefix="sr-interop-py-idp-")
    binary = os.path.join(tmp, "idp")
    subprocess.run(["go", "build", "-o", binary, "./test/interop/idp"], cwd=ROOT, check=True)
    proc = subprocess.Popen([binary, "-client", "py-app:py-secret:writers",
                             "-client", "py-reader:py-secret:readers"], stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        _cleanup(tmp)


@pytest.fixture
def oauth_registry_url(registry_binary, idp):
    """A registry taking only bearer tokens of the interop identity
    provider: writers register, readers read."""
    with _running_registry(registry_binary,
                           AUTHENTICATION_METHOD="BEARER",
                           OAUTHBEARER_JWKS_ENDPOINT_URL=idp + "/jwks.json",
                           OAUTHBEARER_EXPECTED_ISSUER="https://idp.interop.test",
                           OAUTHBEARER_EXPECTED_AUDIENCE="schema-registry",
                           AUTHORIZATION_READ_ROLES="readers",
                           AUTHORIZATION_WRITE_ROLES="writers") as url:
        yield url


@pytest.fixture(autouse=True)
def _fresh_rule_registry():
    """Each test starts with an empty global rule registry: an executor a
    test registered stays configured for that test's registry, and the
    serializers of the next test would configure it again and fail."""
    yield
    from confluent_kafka.schema_registry.rule_registry import RuleRegistry
    RuleRegistry.get_global_instance().clear()


PROXY_TOPICS = "proxy-py-*"  # the topics whose values the proxy validates


@pytest.fixture(scope="session")
def proxy_bootstrap(registry_url):
    """The validating proxy (cmd/sr-proxy) in front of the real broker at
    SR_TEST_KAFKA, checking the values of the topics PROXY_TOPICS matches
    against the session's registry; skips without a broker."""
    broker = os.environ.get("SR_TEST_KAFKA")
    if not broker:
        pytest.skip("SR_TEST_KAFKA (a real broker's host:port) is not set")
    tmp = tempfile.mkdtemp(prefix="sr-interop-py-proxy-")
    binary = os.path.join(tmp, "sr-proxy")
    subprocess.run(["go", "build", "-o", binary, "./cmd/sr-proxy"], cwd=ROOT, check=True)
    props = os.path.join(tmp, "proxy.properties")
    with open(props, "w") as f:
        f.write(f"proxy.listen=127.0.0.1:0\nbootstrap.servers={broker}\nschema.registry.url={registry_url}\n"
                f"topic.{PROXY_TOPICS}.confluent.value.schema.validation=true\n")
    log_path = os.path.join(tmp, "proxy.log")
    log = open(log_path, "wb")
    proc = subprocess.Popen([binary, props], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        addr = None
        while addr is None:
            text = open(log_path).read()
            m = re.search(r"msg=listening addr=(\S+)", text)
            if m:
                addr = m.group(1)
            elif proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the proxy did not start: " + text)
            else:
                time.sleep(0.05)
        yield addr
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()
        _cleanup(tmp)
