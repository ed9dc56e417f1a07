/**
 * Reads QAPI doc blocks (`##` … `##`) for the facts the generator needs: which definition a
 * block documents, its `Since:` version, and inline `(since X.Y)` notes on members. Only
 * versions leave this file; QEMU's prose stays out of the model and the generated code.
 */
import type { DocFacts } from '../generate/qapi-expr.js';

/** The definition a block documents: `@name:` alone on its first line. */
export function symbolOf(lines: string[]): string | undefined {
  return /^@([^:\s]+):\s*$/.exec(lines[0] ?? '')?.[1];
}

const VERSION = /\d+\.\d+(?:\.\d+)?/;
/** `(since 2.4)`, `(since: 3.1)`, `(Since 7.1)` — the spellings found in QGA schemas. */
const INLINE_SINCE = /\(since:?\s+(\d+\.\d+(?:\.\d+)?)\)/i;

/**
 * Reduce a doc block to its `Since:` version (only the leading version, any trailing text
 * dropped) and per-member inline since notes.
 */
export function parseDoc(lines: string[]): DocFacts {
  const doc: DocFacts = { memberSince: Object.create(null) as Record<string, string> };
  // The section being read: a member paragraph (`@name: ...`), the `Since:` section, or other.
  let section: { member: string } | 'since' | undefined;
  let text = '';
  const flush = (): void => {
    if (section === 'since') {
      const version = VERSION.exec(text)?.[0];
      if (version !== undefined) doc.since = version;
    } else if (section !== undefined) {
      const since = INLINE_SINCE.exec(text)?.[1];
      if (since !== undefined) doc.memberSince[section.member] = since;
    }
    section = undefined;
    text = '';
  };
  for (const line of lines.slice(1)) {
    const param = /^@([^:\s]+):(.*)$/.exec(line);
    const tagged = /^([A-Z][A-Za-z ]*):(.*)$/.exec(line);
    if (param) {
      flush();
      section = { member: param[1]! };
      text = param[2] ?? '';
    } else if (tagged) {
      flush();
      section = tagged[1] === 'Since' ? 'since' : undefined;
      text = tagged[2] ?? '';
    } else if (section !== undefined && /^\s+\S/.test(line)) {
      // Continuation lines of a section are indented.
      text += ' ' + line.trim();
    } else {
      flush();
    }
  }
  flush();
  return doc;
}
