// Helpers shared by the pages: DOM building, calls to the registry with the
// caller's credentials, and links between pages.

export const base = document.body.dataset.base || '/ui';

// el builds an element; text children are text nodes, never HTML.
export function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v == null) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'html') e.innerHTML = v; // only escaped highlighter output
    else if (k === 'value') e.value = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid != null && kid !== false) e.append(kid instanceof Node ? kid : String(kid));
  }
  return e;
}

// The Authorization header the page sends itself (a bearer token or basic
// credentials typed in the sign-in form); without it the browser sends what
// it has for this origin.
const authKey = 'sr-console-auth';
export function setAuth(value) {
  if (value) sessionStorage.setItem(authKey, value); else sessionStorage.removeItem(authKey);
}

// ApiError is an answer in Confluent's envelope, or a network failure.
export class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

// call sends a request to the registry and returns the decoded answer.
export async function call(method, path, body) {
  const headers = { Accept: 'application/vnd.schemaregistry.v1+json, application/json;q=0.9' };
  const auth = sessionStorage.getItem(authKey);
  if (auth) headers.Authorization = auth;
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/vnd.schemaregistry.v1+json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let res;
  try { res = await fetch(path, init); } catch (e) { throw new ApiError(0, 0, 'The registry cannot be reached: ' + e.message); }
  const text = await res.text();
  let data = text;
  try { data = text ? JSON.parse(text) : null; } catch { /* a raw text answer */ }
  if (!res.ok) {
    const msg = data && data.message ? data.message : res.status + ' ' + res.statusText;
    throw new ApiError(res.status, data && data.error_code, msg);
  }
  return data;
}

export const get = (path) => call('GET', path);
// ui is a path of the console's own routes.
export const ui = (path) => base + '/api' + path;
export const enc = encodeURIComponent;
export const subjectPath = (s) => '/subjects/' + enc(s);

// href builds a console link: segments are encoded, params become a query.
export function href(segments, params) {
  let h = '#/' + segments.map(enc).join('/');
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== '' && v != null && v !== false) q.set(k, v);
  const qs = q.toString();
  return qs ? h + '?' + qs : h;
}

// go shows the page of a fragment, again when it is the current one (after
// a change the page must show).
export function go(fragment) {
  if (location.hash === fragment) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = fragment;
}

export function errorBox(e) {
  const code = e.code ? ' (' + e.code + ')' : '';
  return el('div', { class: 'error', role: 'alert' }, e.message + code);
}

let toastTimer;
export function toast(msg) {
  const t = document.getElementById('toast');
  t.textContent = msg;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.textContent = ''; }, 4000);
}

// confirmDialog asks before a destructive action; resolves true on yes.
export function confirmDialog(title, text, yes) {
  return new Promise((resolve) => {
    const d = el('dialog', { 'aria-labelledby': 'dlg-title' },
      el('h2', { id: 'dlg-title' }, title), el('p', null, text),
      el('div', { class: 'row' },
        el('button', { type: 'button', class: 'danger', id: 'dlg-yes', onclick: () => { d.close('yes'); } }, yes),
        el('button', { type: 'button', id: 'dlg-no', onclick: () => { d.close('no'); } }, 'Cancel')));
    d.addEventListener('close', () => { d.remove(); resolve(d.returnValue === 'yes'); });
    document.body.append(d);
    d.showModal();
    d.querySelector('#dlg-no').focus();
  });
}

// pretty indents JSON text (Avro, JSON Schema); other text is kept.
export function pretty(text, type) {
  if (type === 'PROTOBUF') return text;
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

export const typeOf = (v) => v.schemaType || 'AVRO';

// copyText puts text on the clipboard; it resolves to whether it could.
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API here (plain http to another host), or no permission:
    // the older way, from a selected text area.
    const ta = el('textarea', { 'aria-hidden': 'true', class: 'sr-only' });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    ta.remove();
    return ok;
  }
}

export function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export const extension = (type) => ({ AVRO: '.avsc', JSON: '.json', PROTOBUF: '.proto' })[type] || '.txt';
export const levels = ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'];
export const modes = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'];
