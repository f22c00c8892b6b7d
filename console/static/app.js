// The console's shell: who the caller is, the router over the URL's
// fragment (#/subject/orders-value), the theme and the keyboard.
import { el, get, ui, setAuth, errorBox, ApiError } from './lib.js';
import * as pages from './pages.js';

const main = document.getElementById('main');
let who = null;

// route maps the fragment to a page: [render function, its arguments].
function route() {
  const [path, query] = (location.hash.replace(/^#\/?/, '') + '?').split('?');
  const seg = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
  const params = new URLSearchParams(query);
  switch (seg[0] || 'subjects') {
    case 'subjects': return ['subjects', pages.subjects, params];
    case 'subject': return ['subjects', pages.subject, seg[1], params];
    case 'schema': return ['subjects', pages.schema, seg[1], seg[2], params];
    case 'diff': return ['subjects', pages.diff, seg[1], params];
    case 'check': return ['check', pages.check, params];
    case 'lookup': return [null, pages.lookup, seg[1]];
    case 'status': return ['status', pages.status];
    default: return [null, pages.notFound];
  }
}

let rendering = 0;
async function render() {
  const mine = ++rendering;
  main.dataset.ready = '0';
  const [nav, page, ...args] = route();
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const view = el('div');
  try {
    if (!who) who = await whoami();
    if (!who) return;
    await page({ view, who, stale: () => mine !== rendering }, ...args);
  } catch (e) {
    view.append(errorBox(e));
  }
  if (mine !== rendering) return;
  main.replaceChildren(view);
  main.dataset.page = page.name;
  main.dataset.ready = '1'; // the browser tests wait for it
  const h1 = view.querySelector('h1');
  document.title = (h1 ? h1.textContent + ' · ' : '') + 'Schema Registry console';
}

// whoami asks the server who the caller is; on 401 it shows the sign-in
// form and answers null.
async function whoami() {
  try {
    const w = await get(ui('/whoami'));
    document.body.dataset.level = w.level;
    const label = w.authentication ? w.principal + ' · ' + w.level : 'no authentication · ' + w.level;
    const out = el('span', null, label);
    if (sessionStorage.getItem('sr-console-auth')) {
      out.append(' ', el('button', { type: 'button', onclick: () => { setAuth(null); location.reload(); } }, 'Sign out'));
    }
    document.getElementById('who').replaceChildren(out);
    return w;
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    main.replaceChildren(signIn());
    main.dataset.page = 'signIn';
    main.dataset.ready = '1';
    return null;
  }
}

function signIn() {
  const user = el('input', { id: 'si-user', autocomplete: 'username' });
  const pass = el('input', { id: 'si-pass', type: 'password', autocomplete: 'current-password' });
  const token = el('input', { id: 'si-token', autocomplete: 'off' });
  const submit = (ev) => {
    ev.preventDefault();
    if (token.value.trim()) setAuth('Bearer ' + token.value.trim());
    else setAuth('Basic ' + btoa(String.fromCharCode(...new TextEncoder().encode(user.value + ':' + pass.value))));
    location.reload();
  };
  return el('form', { class: 'card', onsubmit: submit, 'aria-labelledby': 'si-title' },
    el('h1', { id: 'si-title' }, 'Sign in'),
    el('p', { class: 'muted' }, 'The registry asks for credentials. They are kept for this tab only.'),
    el('div', { class: 'row' }, el('label', { for: 'si-user' }, 'User'), user, el('label', { for: 'si-pass' }, 'Password'), pass),
    el('div', { class: 'row' }, el('label', { for: 'si-token' }, 'or bearer token'), token),
    el('button', { class: 'primary', type: 'submit' }, 'Sign in'));
}

// Theme: the system's unless chosen; the choice is remembered.
function applyTheme(t) {
  document.documentElement.dataset.theme = t;
  document.getElementById('theme').setAttribute('aria-label', t === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme');
}
applyTheme(localStorage.getItem('sr-console-theme') || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
document.getElementById('theme').addEventListener('click', () => {
  const t = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
  localStorage.setItem('sr-console-theme', t);
  applyTheme(t);
});

document.getElementById('lookup').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const term = document.getElementById('lookup-input').value.trim();
  if (term) location.hash = '#/lookup/' + encodeURIComponent(term);
});

// Keyboard: / search, j/k move between rows, [ ] pages, g s|c|t go.
let pendingG = false;
document.addEventListener('keydown', (ev) => {
  const t = ev.target;
  if (ev.ctrlKey || ev.metaKey || ev.altKey || t.matches('input, textarea, select, [contenteditable]')) return;
  if (pendingG) {
    pendingG = false;
    const to = { s: '#/', c: '#/check', t: '#/status' }[ev.key];
    if (to) { location.hash = to; ev.preventDefault(); }
    return;
  }
  switch (ev.key) {
    case 'g': pendingG = true; return;
    case '/': {
      const f = document.querySelector('[data-search]') || document.getElementById('lookup-input');
      f.focus(); f.select(); ev.preventDefault(); return;
    }
    case 'j': case 'k': {
      const links = [...main.querySelectorAll('[data-row-link]')];
      if (!links.length) return;
      const i = links.indexOf(document.activeElement);
      const next = ev.key === 'j' ? Math.min(i + 1, links.length - 1) : Math.max(i - 1, 0);
      links[i < 0 ? 0 : next].focus();
      ev.preventDefault();
      return;
    }
    case '[': case ']': {
      const b = main.querySelector(ev.key === '[' ? '[data-prev]' : '[data-next]');
      if (b && !b.disabled) b.click();
    }
  }
});

window.addEventListener('hashchange', () => { render(); main.focus({ preventScroll: true }); });
render();
