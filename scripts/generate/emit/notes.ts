/**
 * Builds the TSDoc of definitions and members from the merged schema: summary, platform,
 * version history, deprecation and the QEMU reference link. Words come from the project's
 * summaries table and from fixed phrases here, never from QEMU's doc comments.
 */
import { condToC, describeCond } from '../conditions.js';
import type { Change, Merged, MergedSchema } from '../merge.js';
import type { CommandDef, Cond, Feature, TypeDef } from '../schema-model.js';
import { type DocPart, type GenerationInfo, referenceLink } from './format.js';

export interface EmitContext {
  schema: MergedSchema;
  info: GenerationInfo;
  summaries: Readonly<Record<string, string>>;
  examples: Readonly<Record<string, string>>;
  /** Named types reached only from arguments (see type-map.ts). */
  inputOnly: ReadonlySet<string>;
  /** `int` places typed `number | bigint` (policy.ts WIDE_INTEGERS). */
  wideIntegers: ReadonlySet<string>;
  /** Which commands are safe to retry (policy.ts IDEMPOTENT); covers every command. */
  idempotent: Readonly<Record<string, boolean>>;
}

export function summaryOf(ctx: EmitContext, key: string): string | undefined {
  return Object.hasOwn(ctx.summaries, key) ? ctx.summaries[key] : undefined;
}

/** `Platform: Linux or Windows (\`CONFIG_LINUX || CONFIG_WIN32\`).` */
export function platformText(cond: Cond | undefined): string {
  if (cond === undefined) return '';
  return `Platform: ${describeCond(cond)} (\`${condToC(cond)}\`).`;
}

export function hasFeature(features: readonly Feature[], name: string): boolean {
  return features.some((f) => f.name === name);
}

/** `since QEMU 8.1`, or `since QEMU 9.2.0 (not in 9.0.0)` when only the saved files tell. */
export function whenText(change: Pick<Change, 'version' | 'saved' | 'previous'>): string {
  return change.version === change.saved
    ? `since QEMU ${change.version} (not in ${change.previous})`
    : `since QEMU ${change.version}`;
}

/**
 * One sentence per change between saved releases. `noun` names what members are
 * (`argument`, `member`, `value`, `branch`).
 */
export function changeNotes(changes: readonly Change[], noun: string): string[] {
  const notes: string[] = [];
  const older: Record<string, string> = {
    argument: 'older agents reject it',
    member: 'older agents leave it out',
    value: 'older agents do not know it',
    branch: 'older agents do not accept or send it',
  };
  for (const c of changes) {
    switch (c.kind) {
      case 'added':
        notes.push(`The ${noun} \`${c.member}\` exists ${whenText(c)}; ${older[noun] ?? 'older agents lack it'}.`);
        break;
      case 'removed':
        notes.push(`The ${noun} \`${c.member}\` was removed in QEMU ${c.saved} (last in ${c.previous}).`);
        break;
      case 'type-changed':
        notes.push(`The ${noun} \`${c.member}\` is \`${c.to}\` ${whenText(c)}; up to QEMU ${c.previous} it was \`${c.from}\`.`);
        break;
      case 'optionality-changed':
        notes.push(`The ${noun} \`${c.member}\` is ${c.optional ? 'optional' : 'required'} ${whenText(c)}.`);
        break;
      case 'cond-changed': {
        const before = describeCond(c.from);
        notes.push(`Up to QEMU ${c.previous} the platform condition was: ${before} (\`${condToC(c.from)}\`).`);
        break;
      }
    }
  }
  return notes;
}

/** Notes shared by commands and types: removal, corrected Since, history, features. */
function historyParts(m: Merged<CommandDef | TypeDef>, noun: string): DocPart[] {
  const parts: DocPart[] = [];
  if (m.removedIn !== undefined) parts.push({ text: `Removed in QEMU ${m.removedIn} (last in ${m.lastSaved}).` });
  const docSince = m.def.doc?.since;
  if (docSince !== undefined && m.since !== undefined && docSince !== m.since) {
    parts.push({ text: `QEMU's schema says since ${docSince}, but ${m.since} is the first release that has it.` });
  }
  parts.push({ list: changeNotes(m.changes, noun) });
  if (hasFeature(m.def.features, 'unstable')) parts.push({ text: 'Marked unstable in the QEMU schema: it may change or go away.' });
  return parts;
}

/** Tags closing every definition's doc: `@since`, `@deprecated`, `@see`. */
function closingTags(m: Merged<CommandDef | TypeDef>, kind: Parameters<typeof referenceLink>[0]): DocPart[] {
  const tags: DocPart[] = [];
  if (m.since !== undefined) tags.push({ tag: `@since QEMU ${m.since}` });
  if (hasFeature(m.def.features, 'deprecated')) tags.push({ tag: '@deprecated Marked deprecated in the QEMU schema.' });
  tags.push({ tag: `@see ${referenceLink(kind, m.def.name)}` });
  return tags;
}

export function typeDocParts(ctx: EmitContext, m: Merged<TypeDef>, extra: DocPart[] = []): DocPart[] {
  const noun = { struct: 'member', union: 'member', alternate: 'branch', enum: 'value' }[m.def.kind];
  return [
    { text: summaryOf(ctx, m.def.name) ?? '' },
    { text: platformText(m.def.if) },
    ...extra,
    ...historyParts(m, noun),
    ...closingTags(m, m.def.kind),
  ];
}

export interface CommandDocOptions {
  /** Add `@param` / `@example` (method form) or not (map entry form). */
  method: boolean;
}

export function commandDocParts(ctx: EmitContext, m: Merged<CommandDef>, method: string, opts: CommandDocOptions): DocPart[] {
  const name = m.def.name;
  const parts: DocPart[] = [{ text: summaryOf(ctx, name) ?? '' }, { text: platformText(m.def.if) }];
  if (!m.def.successResponse) {
    parts.push({
      text: 'Replies only on failure: the agent sends nothing when the command succeeds, so the call resolves without waiting for a reply that never comes.',
    });
  }
  if (opts.method) parts.push(...historyParts(m, 'argument'));
  if (opts.method) {
    if (m.def.data !== undefined) parts.push({ tag: '@param args - Argument object; keys are the wire names.' });
    parts.push({ tag: '@param options - Per-call timeout and abort signal.' });
  }
  parts.push(...closingTags(m, 'command'));
  if (opts.method) parts.push({ tag: '@example' }, { code: exampleLines(ctx, m, method) });
  return parts;
}

function exampleLines(ctx: EmitContext, m: Merged<CommandDef>, method: string): string[] {
  const given = Object.hasOwn(ctx.examples, m.def.name) ? ctx.examples[m.def.name] : undefined;
  if (given !== undefined) return given.split('\n');
  if (m.def.returns === undefined) return [`await client.${method}();`];
  return [`const result = await client.${method}();`];
}

/** Doc of one member: summary, build condition, when it appeared, features. */
export function memberDocParts(
  ctx: EmitContext,
  owner: Merged<CommandDef | TypeDef>,
  member: { name: string; if?: Cond; features: readonly Feature[] },
): DocPart[] {
  const since = owner.memberSince[member.name];
  const tags: DocPart[] = [];
  if (since !== undefined) {
    tags.push({ tag: `@since QEMU ${since.version}${since.notIn === undefined ? '' : ` (not in ${since.notIn})`}` });
  }
  if (hasFeature(member.features, 'deprecated')) tags.push({ tag: '@deprecated Marked deprecated in the QEMU schema.' });
  const history = owner.changes.filter(
    (c) => (c.kind === 'type-changed' || c.kind === 'optionality-changed') && c.member === member.name,
  );
  return [
    { text: summaryOf(ctx, `${owner.def.name}.${member.name}`) ?? '' },
    { text: platformText(member.if) },
    { text: changeNotes(history, owner.def.kind === 'command' ? 'argument' : 'member').join(' ') },
    { text: hasFeature(member.features, 'unstable') ? 'Marked unstable in the QEMU schema.' : '' },
    ...tags,
  ];
}
