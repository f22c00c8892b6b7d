// Syntax highlighting of the three schema types, and a line diff.

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const span = (cls, s) => '<span class="' + cls + '">' + esc(s) + '</span>';

const avroTypes = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string',
  'record', 'enum', 'array', 'map', 'fixed', 'error']);
const jsonToken = /("(?:\\.|[^"\\])*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g;

// highlightJSON marks keys, strings, numbers and literals; Avro's type
// names and JSON Schema's $keywords stand out.
function highlightJSON(text, type) {
  let out = '', last = 0;
  for (const m of text.matchAll(jsonToken)) {
    out += esc(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1] && m[2]) {
      const kw = type === 'JSON' && m[1].startsWith('"$');
      out += span(kw ? 't-kw' : 't-key', m[1]) + esc(m[2]);
    } else if (m[1]) {
      const inner = m[1].slice(1, -1);
      out += span(type === 'AVRO' && avroTypes.has(inner) ? 't-type' : 't-str', m[1]);
    } else if (m[3]) out += span('t-num', m[3]);
    else out += span('t-kw', m[4]);
  }
  return out + esc(text.slice(last));
}

const protoKeywords = new Set(['syntax', 'edition', 'package', 'import', 'public', 'weak', 'option', 'message', 'enum',
  'service', 'rpc', 'returns', 'stream', 'oneof', 'map', 'repeated', 'optional', 'required', 'reserved', 'extend',
  'extensions', 'to', 'max', 'group', 'true', 'false']);
const protoScalars = new Set(['double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32',
  'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes']);
const protoToken = /(\/\/[^\n]*|\/\*[\s\S]*?\*\/)|("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|\b(\d+(?:\.\d+)?)\b|([A-Za-z_][\w.]*)/g;

function highlightProto(text) {
  let out = '', last = 0;
  for (const m of text.matchAll(protoToken)) {
    out += esc(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1]) out += span('t-com', m[1]);
    else if (m[2]) out += span('t-str', m[2]);
    else if (m[3]) out += span('t-num', m[3]);
    else if (protoKeywords.has(m[4])) out += span('t-kw', m[4]);
    else if (protoScalars.has(m[4])) out += span('t-type', m[4]);
    else out += esc(m[4]);
  }
  return out + esc(text.slice(last));
}

// highlight returns escaped HTML of a schema text of the given type.
export function highlight(text, type) {
  return type === 'PROTOBUF' ? highlightProto(text) : highlightJSON(text, type || 'AVRO');
}

// diffLines pairs the lines of two texts for a side-by-side view: rows of
// [left, right, kind] with kind 'same', 'del', 'add' or 'change'.
export function diffLines(a, b) {
  const x = a.split('\n'), y = b.split('\n');
  let pre = 0;
  while (pre < x.length && pre < y.length && x[pre] === y[pre]) pre++;
  let suf = 0;
  while (suf < x.length - pre && suf < y.length - pre && x[x.length - 1 - suf] === y[y.length - 1 - suf]) suf++;
  const xs = x.slice(pre, x.length - suf), ys = y.slice(pre, y.length - suf);
  const ops = [];
  const n = xs.length, m = ys.length;
  if (n * m > 4e6) { // too large for the table: all out, all in
    xs.forEach((l) => ops.push(['del', l]));
    ys.forEach((l) => ops.push(['add', l]));
  } else {
    // Longest common subsequence, from the end.
    const w = m + 1, lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = xs[i] === ys[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
      }
    }
    let i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && xs[i] === ys[j]) { ops.push(['same', xs[i]]); i++; j++; }
      else if (j < m && (i === n || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j])) ops.push(['add', ys[j++]]);
      else ops.push(['del', xs[i++]]);
    }
  }
  const rows = x.slice(0, pre).map((l) => [l, l, 'same']);
  for (let k = 0; k < ops.length;) {
    if (ops[k][0] === 'same') { rows.push([ops[k][1], ops[k][1], 'same']); k++; continue; }
    const dels = [], adds = [];
    while (k < ops.length && ops[k][0] !== 'same') (ops[k][0] === 'del' ? dels : adds).push(ops[k++][1]);
    for (let r = 0; r < Math.max(dels.length, adds.length); r++) {
      const l = r < dels.length ? dels[r] : null, rt = r < adds.length ? adds[r] : null;
      rows.push([l, rt, l === null ? 'add' : rt === null ? 'del' : 'change']);
    }
  }
  x.slice(x.length - suf).forEach((l) => rows.push([l, l, 'same']));
  return rows;
}
