'use strict';
// Builds the registry from this repository and starts it on a free port.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

let built; // the binary go build made, once per process

// registryBinary returns INTEROP_REGISTRY_BIN (a binary already built), or
// builds one from this repository the first time it is asked.
function registryBinary() {
  if (process.env.INTEROP_REGISTRY_BIN) return process.env.INTEROP_REGISTRY_BIN;
  if (!built) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-interop-js-bin-'));
    process.once('exit', () => {
      if (process.env.INTEROP_KEEP == null) fs.rmSync(dir, { recursive: true, force: true });
    });
    const bin = path.join(dir, 'sr');
    execFileSync('go', ['build', '-o', bin, './cmd/schema-registry'], { cwd: ROOT, stdio: 'inherit' });
    built = bin;
  }
  return built;
}

// startRegistry starts a registry on a free port with an empty data
// directory and the settings given (SCHEMA_REGISTRY_ variables without the
// prefix).
async function startRegistry(settings = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-interop-js-'));
  const bin = registryBinary();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logPath = path.join(tmp, 'registry.log');
  const log = fs.openSync(logPath, 'w');
  const proc = spawn(bin, [], {
    cwd: tmp,
    env: {
      ...process.env, SCHEMA_REGISTRY_LISTENERS: url, SCHEMA_REGISTRY_DATA_DIR: path.join(tmp, 'data'),
      ...Object.fromEntries(Object.entries(settings).map(([k, v]) => ['SCHEMA_REGISTRY_' + k, v])),
    },
    stdio: ['ignore', log, log],
  });
  let exited = false;
  proc.on('exit', () => { exited = true; });
  const deadline = Date.now() + 30000;
  for (;;) {
    if (exited) throw new Error('registry exited: ' + fs.readFileSync(logPath, 'utf8'));
    try {
      const r = await fetch(url + '/health/ready');
      if (r.status === 200) break;
    } catch (_) { /* not up yet */ }
    if (Date.now() > deadline) throw new Error('registry not ready in 30s: ' + fs.readFileSync(logPath, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
  }
  async function stop() {
    if (!exited) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15000);
      await gone;
      clearTimeout(t);
    }
    fs.closeSync(log);
    if (process.env.INTEROP_KEEP == null) fs.rmSync(tmp, { recursive: true, force: true });
    else console.log('registry files kept in', tmp);
  }
  return { url, stop };
}

// startIdP starts the interop identity provider (test/interop/idp) with a
// static token for subject and its groups; returns its URL and the token.
async function startIdP(subject, groups) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-interop-js-idp-'));
  const bin = path.join(dir, 'idp');
  execFileSync('go', ['build', '-o', bin, './test/interop/idp'], { cwd: ROOT, stdio: 'inherit' });
  const proc = spawn(bin, ['-token', `${subject}:${groups.join(',')}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = await new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (d) => {
      buf += d;
      const ls = buf.split('\n');
      if (ls.length > 2) resolve(ls);
    });
    proc.on('exit', (code) => reject(new Error('idp exited: ' + code)));
  });
  async function stop() {
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await gone;
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { url: lines[0].trim(), token: lines[1].trim(), stop };
}

module.exports = { startRegistry, startIdP };
