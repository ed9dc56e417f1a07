/**
 * Pretty JSON for files people review in diffs: an array or object that fits on its line
 * (within `width`) is written on one line, anything longer gets one entry per line. The
 * output depends only on the value, so the same facts always give the same bytes.
 */

export function formatJson(value: unknown, width = 100): string {
  return format(value, '', 0, width);
}

/** `used` is how much of the line the key (and indent) already takes. */
function format(value: unknown, indent: string, used: number, width: number): string {
  const flat = inline(value);
  if (!isContainer(value) || used + flat.length <= width) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items = value.map((v) => inner + format(v, inner, inner.length, width));
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => {
    const key = `${JSON.stringify(k)}: `;
    return inner + key + format(v, inner, inner.length + key.length, width);
  });
  return `{\n${entries.join(',\n')}\n${indent}}`;
}

/** One-line form with a space after `:` and `,`, as in QEMU's schema files. */
function inline(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[ ${value.map(inline).join(', ')} ]`;
  if (isContainer(value)) {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`cannot write ${typeof value} as JSON`);
  return text;
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
