/**
 * The shape of one QAPI definition as the generator receives it: the expression (names,
 * types, conditions, features: no prose) and the version facts taken from its doc comment.
 * The schema import produces these from QEMU's files; the generator reads them back from
 * the in-repo model (model.ts).
 */

/** A QAPI value: strings, booleans, arrays and objects only (the language has no numbers). */
export type QapiValue = string | boolean | QapiValue[] | QapiObject;
/** A QAPI object. Created without a prototype, so any key (even `__proto__`) is plain data. */
export interface QapiObject {
  [key: string]: QapiValue;
}

export type QapiKind = 'command' | 'struct' | 'enum' | 'union' | 'alternate' | 'event' | 'include' | 'pragma';

export const QAPI_KINDS: readonly QapiKind[] = ['command', 'struct', 'enum', 'union', 'alternate', 'event', 'include', 'pragma'];

/**
 * What a definition's doc comment says about versions, and nothing else: QEMU's doc text is
 * GPL prose and never reaches the model or the generated code.
 */
export interface DocFacts {
  /** The `Since:` section's version, e.g. `2.5`. */
  since?: string;
  /** Per member: the version of an inline `(since X.Y)` note. */
  memberSince: Record<string, string>;
}

export interface QapiExpr {
  kind: QapiKind;
  /** The definition's name (the value of the kind key); empty for `pragma`. */
  name: string;
  expr: QapiObject;
  doc?: DocFacts;
  /** 1-based line of the opening `{`, when the expression comes from a schema file. */
  line?: number;
}
