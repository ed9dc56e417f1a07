/** Rejects an options object with members the receiver does not know (a typo loses nothing silently). */
export function checkKnownKeys(what: string, options: unknown, known: readonly string[]): object {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${what}: options must be an object`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`${what}: unknown option '${key}' (known: ${known.join(', ')})`);
  }
  return options;
}
