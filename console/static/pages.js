// The pages. Each renders into ctx.view; controls that change the registry
// are left out unless the caller's level (whoami) allows them: the server
// refuses them anyway.
import {
  el, get, call, ui, enc, href, go, subjectPath, errorBox, toast, confirmDialog, pretty, typeOf,
  copyText, download, extension, levels, modes,
} from './lib.js';
import { highlight, diffLines } from './view.js';

const pageSize = 50;
const isAdmin = (who) => who.level === 'admin';

function matches(pattern, s) {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === s;
  if (!s.startsWith(parts[0])) return false;
  let rest = s.slice(parts[0].length);
  for (const p of parts.slice(1, -1)) {
    const i = rest.indexOf(p);
    if (i < 0) return false;
    rest = rest.slice(i + p.length);
  }
  return rest.endsWith(parts[parts.length - 1]);
}
const mayRegister = (who, subject) => who.level === 'admin' ||
  (who.level === 'write' && (!who.writeSubjects || who.writeSubjects.some((p) => matches(p, subject))));

const typeBadge = (t) => el('span', { class: 'badge' }, t);
const subjectLink = (s, attrs) => el('a', { href: href(['subject', s]), ...attrs }, s);
const schemaLink = (s, v, text) => el('a', { href: href(['schema', s, String(v)]) }, text || s + ' v' + v);

// ---- Subjects: filter by name, type, context; pages of 50 from the server.
export async function subjects(ctx, params) {
  const { view } = ctx;
  const state = {
    q: params.get('q') || '', type: params.get('type') || '', context: params.get('context') || '',
    deleted: params.get('deleted') === 'true', offset: Math.max(0, parseInt(params.get('offset') || '0', 10) || 0),
  };
  const contexts = await get('/contexts').catch(() => ['.']);
  const q = el('input', { id: 'f-q', type: 'search', value: state.q, placeholder: 'part of a subject name', 'data-search': true, autocomplete: 'off' });
  const type = el('select', { id: 'f-type' }, el('option', { value: '' }, 'Any type'),
    ['AVRO', 'JSON', 'PROTOBUF'].map((t) => el('option', { value: t, selected: state.type === t }, t)));
  const context = el('select', { id: 'f-context' }, el('option', { value: '' }, 'Every context'),
    contexts.map((c) => el('option', { value: c, selected: state.context === c }, c === '.' ? '. (default)' : c)));
  const deleted = el('input', { id: 'f-deleted', type: 'checkbox', checked: state.deleted });
  const results = el('div', { 'aria-live': 'polite' });
  view.append(el('h1', null, 'Subjects'),
    el('form', { class: 'row', role: 'search', 'aria-label': 'Filter subjects', onsubmit: (e) => e.preventDefault() },
      el('label', { for: 'f-q' }, 'Name'), el('span', { class: 'grow' }, q),
      el('label', { for: 'f-type' }, 'Type'), type,
      el('label', { for: 'f-context' }, 'Context'), context,
      el('span', null, deleted, el('label', { for: 'f-deleted' }, ' Deleted too'))),
    results);

  let seq = 0;
  async function load() {
    const mine = ++seq;
    const query = { q: state.q, type: state.type, context: state.context, deleted: state.deleted ? 'true' : '', offset: state.offset || '' };
    history.replaceState(null, '', href(['subjects'], query));
    const qs = new URLSearchParams({ q: state.q, type: state.type, context: state.context, deleted: state.deleted, offset: state.offset, limit: pageSize });
    let page;
    try { page = await get(ui('/subjects?' + qs)); } catch (e) { results.replaceChildren(errorBox(e)); return; }
    if (mine !== seq) return;
    const rows = page.subjects.map((s) => el('tr', { class: s.deleted ? 'deleted' : null },
      el('td', null, el('a', { href: href(['subject', s.subject], { deleted: s.deleted ? 'true' : '' }), 'data-row-link': true }, s.subject)),
      el('td', null, typeBadge(s.schemaType)),
      el('td', { class: 'num' }, s.version), el('td', { class: 'num hide-narrow' }, s.versions),
      el('td', { class: 'num' }, el('a', { href: href(['lookup', String(s.id)]) }, s.id))));
    const first = page.total ? page.offset + 1 : 0, last = page.offset + page.subjects.length;
    const prev = el('button', { type: 'button', 'data-prev': true, disabled: page.offset === 0, onclick: () => { state.offset = Math.max(0, state.offset - pageSize); load(); } }, '← Previous');
    const next = el('button', { type: 'button', 'data-next': true, disabled: last >= page.total, onclick: () => { state.offset += pageSize; load(); } }, 'Next →');
    results.replaceChildren(
      el('div', { class: 'pager' }, prev, el('span', { id: 'range' }, `${first}–${last} of ${page.total.toLocaleString('en')}`), next),
      page.total === 0 ? el('p', { class: 'muted' }, 'No subject matches.') :
        el('div', { class: 'scroll' }, el('table', { id: 'subjects' },
          el('thead', null, el('tr', null, el('th', null, 'Subject'), el('th', null, 'Type'), el('th', { class: 'num' }, 'Latest'),
            el('th', { class: 'num hide-narrow' }, 'Versions'), el('th', { class: 'num' }, 'Id'))),
          el('tbody', null, rows))));
  }
  let timer;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { state.q = q.value; state.offset = 0; load(); }, 200); });
  q.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { clearTimeout(timer); state.q = q.value; state.offset = 0; load(); }
    if (e.key === 'ArrowDown') { const l = results.querySelector('[data-row-link]'); if (l) { l.focus(); e.preventDefault(); } }
  });
  type.addEventListener('change', () => { state.type = type.value; state.offset = 0; load(); });
  context.addEventListener('change', () => { state.context = context.value; state.offset = 0; load(); });
  deleted.addEventListener('change', () => { state.deleted = deleted.checked; state.offset = 0; load(); });
  await load();
}

// versionsOf returns the subject's versions with ids and GUIDs, the newest
// last (at most the last 100).
async function versionsOf(subject, withDeleted) {
  const nums = await get(subjectPath(subject) + '/versions' + (withDeleted ? '?deleted=true' : ''));
  const picked = nums.slice(-100);
  const out = await Promise.all(picked.map((v) => get(subjectPath(subject) + '/versions/' + v + '?deleted=true')));
  out.truncated = nums.length > picked.length;
  return out;
}

// ---- A subject: versions, references both ways, config and mode.
export async function subject(ctx, name, params) {
  const { view, who } = ctx;
  const withDeleted = params.get('deleted') === 'true';
  const [versions, config, mode] = await Promise.all([
    versionsOf(name, withDeleted),
    get('/config/' + enc(name) + '?defaultToGlobal=true'),
    get('/mode/' + enc(name) + '?defaultToGlobal=true'),
  ]);
  const latest = versions.filter((v) => !v.deleted).pop() || versions[versions.length - 1];
  const deletedNums = new Set((withDeleted ? await get(subjectPath(name) + '/versions?deletedOnly=true').catch(() => []) : []));
  const [referencedBy] = await Promise.all([
    get(subjectPath(name) + '/versions/' + latest.version + '/referencedby?deleted=true'),
  ]);

  const toggle = el('input', { id: 'show-deleted', type: 'checkbox', checked: withDeleted,
    onchange: (e) => { location.hash = href(['subject', name], { deleted: e.target.checked ? 'true' : '' }); } });
  const actions = (v) => {
    const out = [schemaLink(name, v.version, 'View')];
    if (isAdmin(who)) {
      const soft = deletedNums.has(v.version);
      out.push(' ', el('button', { type: 'button', class: 'danger', 'data-action': soft ? 'hard-delete-version' : 'delete-version',
        onclick: () => deleteVersion(name, v.version, soft) }, soft ? 'Delete permanently' : 'Delete'));
    }
    return out;
  };
  view.append(
    el('h1', null, name),
    el('div', { class: 'row' }, typeBadge(typeOf(latest)),
      el('span', { class: 'muted' }, `latest version ${latest.version}, id ${latest.id}`),
      versions.length > 1 ? el('a', { href: href(['diff', name], { from: versions[versions.length - 2].version, to: versions[versions.length - 1].version }), id: 'compare' }, 'Compare versions') : null,
      el('a', { href: href(['check'], { subject: name }), id: 'check-link' }, mayRegister(who, name) ? 'Check or register a new version' : 'Check a new version')),
    el('h2', null, 'Versions'),
    el('div', { class: 'row' }, toggle, el('label', { for: 'show-deleted' }, 'Show soft-deleted versions'),
      versions.truncated ? el('span', { class: 'muted' }, 'the last 100 versions are shown') : null),
    el('div', { class: 'scroll' }, el('table', { id: 'versions' },
      el('thead', null, el('tr', null, ['Version', 'Id', 'GUID', 'Type'].map((h) => el('th', null, h)), el('th', null, el('span', { class: 'sr-only' }, 'Actions')))),
      el('tbody', null, versions.slice().reverse().map((v) => el('tr', { class: deletedNums.has(v.version) ? 'deleted' : null },
        el('td', { class: 'num' }, el('a', { href: href(['schema', name, String(v.version)]), 'data-row-link': true }, v.version)),
        el('td', { class: 'num' }, el('a', { href: href(['lookup', String(v.id)]) }, v.id)),
        el('td', { class: 'mono' }, v.guid ? el('a', { href: href(['lookup', v.guid]) }, v.guid) : '—'),
        el('td', null, typeOf(v)),
        el('td', null, actions(v))))))),
    el('h2', null, 'References of version ' + latest.version),
    (latest.references || []).length === 0 ? el('p', { class: 'muted' }, 'None.') :
      el('ul', { id: 'references' }, latest.references.map((r) => el('li', null, el('code', null, r.name), ' → ', schemaLink(r.subject, r.version)))),
    el('h2', null, 'Referenced by'),
    referencedBy.length === 0 ? el('p', { class: 'muted' }, 'No schema refers to version ' + latest.version + '.') :
      el('ul', { id: 'referenced-by' }, referencedBy.map((id) => el('li', null, el('a', { href: href(['lookup', String(id)]) }, 'schema id ' + id)))),
    settingsCard(name, config, mode, who),
    isAdmin(who) ? el('section', { class: 'card', 'aria-labelledby': 'danger-title' },
      el('h2', { id: 'danger-title' }, 'Delete the subject'),
      el('p', { class: 'muted' }, 'A soft delete hides every version (they stay readable with deleted=true); a permanent delete, after a soft one, removes them.'),
      el('div', { class: 'row' },
        el('button', { type: 'button', class: 'danger', id: 'delete-subject', onclick: () => deleteSubject(name, false) }, 'Delete subject'),
        el('button', { type: 'button', class: 'danger', id: 'hard-delete-subject', onclick: () => deleteSubject(name, true) }, 'Delete permanently'))) : '');
}

function settingsCard(name, config, mode, who) {
  const level = config.compatibilityLevel || config.compatibility;
  const card = el('section', { class: 'card', 'aria-labelledby': 'settings-title' },
    el('h2', { id: 'settings-title' }, 'Compatibility and mode'),
    el('dl', { class: 'meta' },
      el('dt', null, 'Compatibility'), el('dd', { id: 'current-level' }, level),
      el('dt', null, 'Mode'), el('dd', { id: 'current-mode' }, mode.mode)));
  if (!isAdmin(who)) return card;
  const levelSel = el('select', { id: 'set-level' }, levels.map((l) => el('option', { value: l, selected: l === level }, l)));
  const modeSel = el('select', { id: 'set-mode' }, modes.map((m) => el('option', { value: m, selected: m === mode.mode }, m)));
  const save = (what, path, body) => async () => {
    try {
      await call('PUT', path, body);
      toast(what + ' saved');
      go(location.hash);
    } catch (e) { toast(e.message); }
  };
  const clear = (what, path) => async () => {
    try {
      await call('DELETE', path);
      toast(what + ' of the subject removed: the default applies');
      go(location.hash);
    } catch (e) { toast(e.message); }
  };
  card.append(
    el('div', { class: 'row' }, el('label', { for: 'set-level' }, 'Compatibility'), levelSel,
      el('button', { type: 'button', id: 'save-level', onclick: () => save('Compatibility', '/config/' + enc(name), { compatibility: levelSel.value })() }, 'Save'),
      el('button', { type: 'button', id: 'clear-level', onclick: clear('Compatibility', '/config/' + enc(name)) }, 'Use the default')),
    el('div', { class: 'row' }, el('label', { for: 'set-mode' }, 'Mode'), modeSel,
      el('button', { type: 'button', id: 'save-mode', onclick: () => save('Mode', '/mode/' + enc(name), { mode: modeSel.value })() }, 'Save'),
      el('button', { type: 'button', id: 'clear-mode', onclick: clear('Mode', '/mode/' + enc(name)) }, 'Use the default')));
  return card;
}

async function deleteVersion(name, v, permanent) {
  const ok = await confirmDialog(permanent ? 'Delete version ' + v + ' permanently?' : 'Delete version ' + v + '?',
    permanent ? `Version ${v} of ${name} will be removed for good.` : `Version ${v} of ${name} will be soft-deleted: hidden, still readable with deleted=true.`,
    permanent ? 'Delete permanently' : 'Delete');
  if (!ok) return;
  try {
    await call('DELETE', subjectPath(name) + '/versions/' + v + (permanent ? '?permanent=true' : ''));
    toast('Version ' + v + (permanent ? ' permanently deleted' : ' deleted'));
    go(href(['subject', name], { deleted: 'true' }));
  } catch (e) { toast(e.message); }
}

async function deleteSubject(name, permanent) {
  const ok = await confirmDialog(permanent ? 'Delete ' + name + ' permanently?' : 'Delete ' + name + '?',
    permanent ? 'Every version will be removed for good. The subject must be soft-deleted first.' : 'Every version will be soft-deleted.',
    permanent ? 'Delete permanently' : 'Delete subject');
  if (!ok) return;
  try {
    const gone = await call('DELETE', subjectPath(name) + (permanent ? '?permanent=true' : ''));
    toast('Deleted versions ' + gone.join(', ') + ' of ' + name);
    go(permanent ? '#/' : href(['subject', name], { deleted: 'true' }));
  } catch (e) { toast(e.message); }
}

// codeView shows a schema text highlighted, with copy and download.
function codeView(text, type, fileName) {
  const pre = el('pre', { class: 'code', tabindex: '0', 'aria-label': 'Schema text' }, el('code', { html: highlight(text, type) }));
  return { pre, set(t) { text = t; pre.firstChild.innerHTML = highlight(t, type); }, get: () => text, fileName };
}

// ---- A schema: raw, canonical and normalized forms.
export async function schema(ctx, name, version) {
  const { view } = ctx;
  const path = subjectPath(name) + '/versions/' + enc(version);
  const [v, forms] = await Promise.all([get(path + '?deleted=true'), get(ui(path + '/forms?deleted=true'))]);
  const type = typeOf(v);
  const code = codeView('', type);
  let form = 'raw';
  const prettyBox = el('input', { id: 'pretty', type: 'checkbox', checked: type !== 'PROTOBUF', disabled: type === 'PROTOBUF' });
  const text = () => prettyBox.checked ? pretty(forms[form], type) : forms[form];
  const tabs = ['raw', 'canonical', 'normalized'].map((f) => el('button', { type: 'button', 'data-form': f, 'aria-pressed': String(f === form),
    onclick: (e) => { form = f; for (const t of tabs) t.setAttribute('aria-pressed', String(t === e.target)); code.set(text()); } },
  f[0].toUpperCase() + f.slice(1)));
  prettyBox.addEventListener('change', () => code.set(text()));
  code.set(text());
  view.append(
    el('h1', null, name + ' v' + v.version),
    el('dl', { class: 'meta' },
      el('dt', null, 'Subject'), el('dd', null, subjectLink(name)),
      el('dt', null, 'Type'), el('dd', null, typeBadge(type)),
      el('dt', null, 'Id'), el('dd', { id: 'schema-id' }, v.id),
      el('dt', null, 'GUID'), el('dd', { class: 'mono' }, v.guid || '—'),
      (v.references || []).length ? [el('dt', null, 'References'), el('dd', null, v.references.map((r) => el('div', null, el('code', null, r.name), ' → ', schemaLink(r.subject, r.version))))] : null),
    el('div', { class: 'row', role: 'group', 'aria-label': 'Form of the text' }, tabs,
      el('span', null, prettyBox, el('label', { for: 'pretty' }, ' Indented')),
      el('button', { type: 'button', id: 'copy', onclick: async () => toast(await copyText(code.get()) ? 'Copied' : 'This browser does not let the page copy: select the text instead') }, 'Copy'),
      el('button', { type: 'button', id: 'download', onclick: () => download(name + '-v' + v.version + (form === 'raw' ? '' : '.' + form) + extension(type), code.get()) }, 'Download')),
    code.pre);
}

// ---- A diff of two versions: texts side by side, the engine's changes
// and the verdict at each level.
export async function diff(ctx, name, params) {
  const { view } = ctx;
  const nums = await get(subjectPath(name) + '/versions?deleted=true');
  const to = params.get('to') || String(nums[nums.length - 1]);
  const from = params.get('from') || String(nums[Math.max(0, nums.length - 2)]);
  const [a, b, d] = await Promise.all([
    get(subjectPath(name) + '/versions/' + enc(from) + '?deleted=true'),
    get(subjectPath(name) + '/versions/' + enc(to) + '?deleted=true'),
    get(ui(subjectPath(name) + '/diff?' + new URLSearchParams({ from, to, deleted: 'true' }))),
  ]);
  const pick = (id, value, label) => el('span', null, el('label', { for: id }, label + ' '),
    el('select', { id, onchange: () => { location.hash = href(['diff', name], { from: view.querySelector('#d-from').value, to: view.querySelector('#d-to').value }); } },
      nums.map((n) => el('option', { value: n, selected: String(n) === String(value) }, 'v' + n))));
  const rows = diffLines(pretty(a.schema, typeOf(a)), pretty(b.schema, typeOf(b)));
  const cells = [el('div', { class: 'head' }, 'v' + a.version + ' (id ' + a.id + ')'), el('div', { class: 'head' }, 'v' + b.version + ' (id ' + b.id + ')')];
  for (const [l, r, kind] of rows) {
    // l and r: on a narrow screen the two columns fold into one, unified.
    cells.push(el('div', { class: 'l ' + (l === null ? 'gap' : kind === 'same' ? 'same' : 'del') }, l === null ? '' : (kind === 'same' ? '  ' : '- ') + l));
    cells.push(el('div', { class: 'r ' + (r === null ? 'gap' : kind === 'same' ? 'same' : 'add') }, r === null ? '' : (kind === 'same' ? '  ' : '+ ') + r));
  }
  const changed = rows.filter((r) => r[2] !== 'same').length;
  view.append(
    el('h1', null, 'Diff of ' + name),
    el('div', { class: 'row' }, pick('d-from', from, 'From'), pick('d-to', to, 'To'), subjectLink(name),
      el('a', { href: href(['check'], { subject: name }), id: 'check-link' }, 'Check a new version')),
    el('h2', null, 'Verdicts: v' + b.version + ' after v' + a.version),
    el('ul', { class: 'verdicts', id: 'verdicts' }, d.verdicts.map((v) => el('li', { 'data-level': v.level },
      el('strong', null, v.level + ': '), el('span', { class: v.compatible ? 'good' : 'bad' }, v.compatible ? 'compatible' : 'incompatible'),
      v.messages.length ? el('ul', { class: 'messages' }, v.messages.map((m) => el('li', null, m))) : null))),
    el('h2', null, 'Changes'),
    !d.changesListed ? el('p', { class: 'muted', id: 'changes' }, 'The Avro checker lists incompatibilities only (above), not every change.') :
      d.changes.length === 0 ? el('p', { class: 'muted', id: 'changes' }, 'No change.') :
        el('div', { class: 'scroll' }, el('table', { id: 'changes' },
          el('thead', null, el('tr', null, el('th', null, 'Change'), el('th', null, 'Path'), el('th', null, 'Kind'))),
          el('tbody', null, d.changes.map((c) => el('tr', null, el('td', { class: 'mono' }, c.type), el('td', { class: 'mono' }, c.path),
            el('td', { class: c.compatible ? 'good' : 'bad' }, c.compatible ? 'compatible' : 'incompatible')))))),
    el('h2', null, 'Text', el('span', { class: 'muted' }, ` (${changed} line${changed === 1 ? '' : 's'} differ)`)),
    el('div', { class: 'diff', id: 'diff-text', role: 'region', tabindex: '0', 'aria-label': 'The two texts side by side' }, cells));
}

// ---- Compatibility check, then registration.
export async function check(ctx, params) {
  const { view, who } = ctx;
  const subjectIn = el('input', { id: 'c-subject', value: params.get('subject') || '', autocomplete: 'off', required: true, 'data-search': true });
  const typeSel = el('select', { id: 'c-type' }, ['AVRO', 'JSON', 'PROTOBUF'].map((t) => el('option', { value: t }, t)));
  const levelSel = el('select', { id: 'c-level' }, el('option', { value: '' }, "The subject's level"), levels.map((l) => el('option', { value: l }, l)));
  const text = el('textarea', { id: 'c-schema', spellcheck: 'false', 'aria-describedby': 'c-help' });
  const refs = el('textarea', { id: 'c-refs', class: 'refs', spellcheck: 'false', placeholder: '[{"name": "shop.Address", "subject": "address", "version": 1}]' });
  const result = el('div', { id: 'c-result', 'aria-live': 'polite' });
  const registerBtn = el('button', { type: 'button', id: 'c-register', class: 'primary', onclick: () => register() }, 'Register');
  const subjectLevel = el('span', { class: 'muted', id: 'c-subject-level' });

  async function prefill() {
    const s = subjectIn.value.trim();
    registerBtn.hidden = !mayRegister(who, s);
    if (!s) return;
    try {
      const cfg = await get('/config/' + enc(s) + '?defaultToGlobal=true');
      subjectLevel.textContent = "(the subject's: " + (cfg.compatibilityLevel || cfg.compatibility) + ')';
      const nums = await get(subjectPath(s) + '/versions');
      const latest = await get(subjectPath(s) + '/versions/' + nums[nums.length - 1]);
      typeSel.value = typeOf(latest);
      if (!text.value) text.value = pretty(latest.schema, typeOf(latest));
      if (!refs.value && latest.references) refs.value = JSON.stringify(latest.references);
    } catch { /* a new subject */ }
  }
  // request is the body to send; it throws on references that are not a
  // JSON array.
  function request() {
    const req = { schema: typeSel.value === 'PROTOBUF' ? text.value : compact(text.value), schemaType: typeSel.value };
    if (refs.value.trim()) {
      let r;
      try { r = JSON.parse(refs.value); } catch { r = null; }
      if (!Array.isArray(r)) throw new Error('References must be a JSON array of {"name", "subject", "version"}.');
      req.references = r;
    }
    return req;
  }
  async function runCheck() {
    const s = subjectIn.value.trim();
    if (!s) { result.replaceChildren(el('p', { class: 'error' }, 'Name a subject.')); subjectIn.focus(); return; }
    try {
      const res = levelSel.value
        ? await call('POST', ui(subjectPath(s) + '/check?level=' + levelSel.value), request())
        : await call('POST', '/compatibility' + subjectPath(s) + '/versions?verbose=true', request());
      const msgs = res.messages || [];
      result.replaceChildren(el('div', { class: 'card' },
        el('p', { id: 'c-verdict', class: res.is_compatible ? 'good' : 'bad' }, res.is_compatible ? 'Compatible' : 'Incompatible'),
        msgs.length ? el('ul', { class: 'messages', id: 'c-messages' }, msgs.map((m) => el('li', null, m))) : null));
    } catch (e) { result.replaceChildren(errorBox(e)); }
  }
  async function register() {
    const s = subjectIn.value.trim();
    if (!s) { subjectIn.focus(); return; }
    try {
      const res = await call('POST', subjectPath(s) + '/versions', request());
      const v = await get(subjectPath(s) + '/versions/latest');
      const same = v.id === res.id;
      result.replaceChildren(el('div', { class: 'card', id: 'c-registered' },
        el('p', { class: 'good' }, 'Registered: id ' + res.id + (same ? ', version ' + v.version : '') + '. '),
        same ? schemaLink(s, v.version, 'Open version ' + v.version) : subjectLink(s)));
    } catch (e) { result.replaceChildren(errorBox(e)); }
  }
  subjectIn.addEventListener('change', prefill);
  view.append(
    el('h1', null, 'Compatibility check'),
    el('p', { class: 'muted', id: 'c-help' }, 'Paste a schema, pick a subject and a level, read the reasons (Confluent\'s verbose messages), then register it.'),
    el('form', { onsubmit: (e) => { e.preventDefault(); runCheck(); } },
      el('div', { class: 'row' }, el('label', { for: 'c-subject' }, 'Subject'), el('span', { class: 'grow' }, subjectIn),
        el('label', { for: 'c-type' }, 'Type'), typeSel),
      el('div', { class: 'row' }, el('label', { for: 'c-level' }, 'Level'), levelSel, subjectLevel),
      el('label', { for: 'c-schema' }, 'Schema'), text,
      el('label', { for: 'c-refs' }, 'References (optional)'), refs,
      el('div', { class: 'row' }, el('button', { type: 'submit', class: 'primary', id: 'c-check' }, 'Check'), registerBtn)),
    result);
  await prefill();
}

// compact sends JSON text without the indentation the page added.
function compact(t) {
  try { return JSON.stringify(JSON.parse(t)); } catch { return t; }
}

// ---- Lookup by id or GUID.
export async function lookup(ctx, term) {
  const { view } = ctx;
  term = (term || '').trim();
  const byID = /^\d+$/.test(term);
  let s, holders;
  if (byID) {
    [s, holders] = await Promise.all([get('/schemas/ids/' + term), get('/schemas/ids/' + term + '/versions')]);
  } else {
    // A GUID is one schema text: its ids (one a context), then who holds each.
    const [schema, ids] = await Promise.all([get('/schemas/guids/' + enc(term)), get('/schemas/guids/' + enc(term) + '/ids')]);
    s = schema;
    const hint = (c) => (c && c !== '.' ? '?subject=' + enc(':' + c + ':') : '');
    holders = (await Promise.all(ids.map((i) => get('/schemas/ids/' + i.id + '/versions' + hint(i.context))))).flat();
  }
  const type = typeOf(s);
  const code = codeView(pretty(s.schema, type), type);
  view.append(
    el('h1', null, byID ? 'Schema id ' + term : 'Schema GUID ' + term),
    el('dl', { class: 'meta' }, el('dt', null, 'Type'), el('dd', null, typeBadge(type)),
      s.guid ? [el('dt', null, 'GUID'), el('dd', { class: 'mono' }, s.guid)] : null),
    el('h2', null, 'Held by'),
    el('ul', { id: 'holders' }, holders.map((h) => el('li', null, schemaLink(h.subject, h.version)))),
    el('h2', null, 'Text'), code.pre);
}

// ---- The node's status.
export async function status(ctx) {
  const { view } = ctx;
  const [st, cfg, mode] = await Promise.all([get(ui('/status')), get('/config'), get('/mode')]);
  const dl = (...pairs) => el('dl', { class: 'meta' }, pairs.map(([k, v, id]) => [el('dt', null, k), el('dd', { id }, v)]));
  const applied = st.offset + 1;
  const replay = st.logEnd < 0 ? el('p', { class: 'muted' }, 'The embedded log: every record is applied before a write returns.')
    : el('div', null, el('progress', { max: String(Math.max(st.logEnd, 1)), value: String(applied), 'aria-label': 'Replay progress' }),
      el('p', null, `${applied.toLocaleString('en')} of ${st.logEnd.toLocaleString('en')} records applied (lag ${st.lag})`));
  view.append(
    el('h1', null, 'Status'),
    el('div', { class: 'cards' },
      el('section', { class: 'card' }, el('h2', null, 'Node'),
        dl(['Role', st.isPrimary ? 'primary' : 'follower', 'role'], ['Primary', st.primary || (st.isPrimary ? 'this node' : st.primaryKnown ? '' : 'not known')],
          ['Version', st.version + (st.commit ? ' (' + st.commit.slice(0, 12) + ')' : ''), 'version'], ['Cluster', st.clusterId], ['Group', st.groupId])),
      el('section', { class: 'card' }, el('h2', null, 'Replay'),
        dl(['Last offset applied', st.offset, 'offset'], ['Log end', st.logEnd < 0 ? '—' : st.logEnd], ['Lag', st.lag, 'lag']), replay),
      el('section', { class: 'card' }, el('h2', null, 'Contents'),
        dl(['Subjects', st.subjects.toLocaleString('en'), 'count-subjects'], ['Versions', st.versions.toLocaleString('en')], ['Schemas', st.schemas.toLocaleString('en')])),
      el('section', { class: 'card' }, el('h2', null, 'Checks and defaults'),
        dl(['Checks run', st.compatibilityChecks], ['Incompatible', st.compatibilityFailures],
          ['Global level', cfg.compatibilityLevel || cfg.compatibility, 'global-level'], ['Global mode', mode.mode, 'global-mode']))));
}

export async function notFound(ctx) {
  ctx.view.append(el('h1', null, 'No such page'), el('p', null, el('a', { href: '#/' }, 'Back to the subjects')));
}
