// Reads the module specifiers a TypeScript source names: `import ... from`, `import '...'`,
// `export ... from`, `import type`, dynamic and type-level `import('...')`, and `require('...')`.
// A small scanner rather than the compiler: TypeScript 7 ships no JS API, and the layering
// check needs only specifiers. The scan first masks comments and the insides of strings (an
// import written in a comment or an error message is no arrow), then reads each specifier back
// from the original text between the quotes the pattern found.

export type ImportKind = 'import' | 'type' | 'dynamic' | 'require';

export interface ImportRef {
  /** The module specifier as written ('./tensor', 'node:fs'). */
  spec: string;
  kind: ImportKind;
  /** 1-based line of the statement. */
  line: number;
}

/**
 * The source with comments and the contents of string, template and regex literals replaced by
 * spaces; quotes and newlines stay, so positions and lines match the original.
 */
export function maskSource(src: string): string {
  const out = src.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  // A `/` starts a regex literal (not a division) after one of these, or at the start.
  const regexAfter = /^([(,=:[!&|?{};+\-*%<>~^]|return|typeof|case|)$/;
  let i = 0;
  // From an opening quote at i to past its closing quote.
  const quoted = (q: string) => {
    const from = i + 1;
    for (i++; i < src.length && src[i] !== q && src[i] !== '\n'; i++) if (src[i] === '\\') i++;
    blank(from, Math.min(i, src.length));
    i++;
  };
  // From an opening backtick at i to past its closing one; `${...}` parts are code.
  const template = () => {
    let from = ++i;
    while (i < src.length && src[i] !== '`') {
      if (src[i] === '\\') i += 2;
      else if (src[i] === '$' && src[i + 1] === '{') {
        blank(from, i);
        i += 2;
        code(true);
        from = ++i; // past the closing brace
      } else i++;
    }
    blank(from, Math.min(i, src.length));
    i++;
  };
  // Code up to the end, or (inTemplate) up to the `}` that closes a `${`, left at i.
  const code = (inTemplate: boolean) => {
    let last = ''; // the last token seen: one punctuation char or the last word
    let depth = 0;
    while (i < src.length) {
      const c = src[i], n = src[i + 1];
      if (c === '/' && n === '/') {
        const end = src.indexOf('\n', i);
        const to = end < 0 ? src.length : end;
        blank(i, to);
        i = to;
      } else if (c === '/' && n === '*') {
        const end = src.indexOf('*/', i + 2);
        const to = end < 0 ? src.length : end + 2;
        blank(i, to);
        i = to;
      } else if (c === "'" || c === '"') {
        quoted(c);
        last = c;
      } else if (c === '`') {
        template();
        last = c;
      } else if (c === '/' && regexAfter.test(last)) {
        const from = i + 1;
        let inClass = false;
        for (i++; i < src.length && (src[i] !== '/' || inClass) && src[i] !== '\n'; i++) {
          if (src[i] === '\\') i++;
          else if (src[i] === '[') inClass = true;
          else if (src[i] === ']') inClass = false;
        }
        blank(from, i);
        i++;
        last = '/';
      } else if (/[\w$]/.test(c)) {
        const from = i;
        while (i < src.length && /[\w$]/.test(src[i])) i++;
        last = src.slice(from, i);
      } else {
        if (c === '{') depth++;
        else if (c === '}' && inTemplate && depth-- === 0) return;
        if (!/\s/.test(c)) last = c;
        i++;
      }
    }
  };
  code(false);
  return out.join('');
}

// Each pattern ends at a quoted specifier: group 1 marks a type-only form, group 2 the quote.
const PATTERNS: [RegExp, (typeOnly: boolean) => ImportKind][] = [
  // import x from '...', import { a } from '...', import type { T } from '...', import '...'
  [/\bimport\s+(type\s+)?(?:[\w$*{][^;'"`]*?\bfrom\s*)?(['"])/g, (t) => (t ? 'type' : 'import')],
  // export { a } from '...', export * from '...', export * as ns from '...', export type { T } from '...'
  [/\bexport\s+(type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*(['"])/g, (t) => (t ? 'type' : 'import')],
  // import('...'): a dynamic import, or a type query (typeof import('...')), still an arrow
  [/\bimport\s*\(\s*()(['"])/g, () => 'dynamic'],
  // require('...'); require(variable) is found by requireCalls
  [/(?<![\w$.])require\s*\(\s*()(['"])/g, () => 'require'],
];

/** Every specifier src imports, in source order. */
export function readImports(src: string): ImportRef[] {
  const code = maskSource(src);
  const lineAt = lineIndex(code);
  const refs: ImportRef[] = [];
  for (const [re, kind] of PATTERNS)
    for (let m = re.exec(code); m; m = re.exec(code)) {
      const open = m.index + m[0].length; // just past the opening quote
      const close = code.indexOf(m[2], open);
      if (close < 0) continue;
      refs.push({ spec: src.slice(open, close), kind: kind(Boolean(m[1])), line: lineAt(m.index) });
    }
  return refs.sort((a, b) => a.line - b.line);
}

/** Lines of every `require(` call in code, literal argument or not. */
export function requireCalls(src: string): number[] {
  const code = maskSource(src);
  const lineAt = lineIndex(code);
  const lines: number[] = [];
  const re = /(?<![\w$.])require\s*\(/g;
  for (let m = re.exec(code); m; m = re.exec(code)) lines.push(lineAt(m.index));
  return lines;
}

function lineIndex(code: string): (at: number) => number {
  const starts = [0];
  for (let i = 0; i < code.length; i++) if (code[i] === '\n') starts.push(i + 1);
  return (at) => {
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
