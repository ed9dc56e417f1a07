import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');

/** The code of every `@example` in the generated methods. */
function examples(): string[] {
  const text = readFileSync(path.join(repoRoot, 'src', 'generated', 'methods.ts'), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)\n\s*\* ```/g)].map((m) =>
    m[1]!
      .split('\n')
      .map((l) => l.replace(/^\s*\* ?/, ''))
      .join('\n'),
  );
}

describe('generated @example code', () => {
  it('has one example per method', () => {
    const text = readFileSync(path.join(repoRoot, 'src', 'generated', 'methods.ts'), 'utf8');
    const methods = text.match(/^ {2}\w+\(.*\): Promise<.*>;$/gm) ?? [];
    expect(examples()).toHaveLength(methods.length);
  });

  it('type-checks against the generated methods', { timeout: 60_000 }, () => {
    const file = path.join(repoRoot, 'test', 'unit', 'generator', '__examples__.ts');
    const source = [
      "import type { QgaCommandMethods } from '../../../src/generated/index.js';",
      'declare const client: QgaCommandMethods;',
      'declare const handle: number;',
      'declare const pid: number;',
      'export async function run(): Promise<void> {',
      ...examples().map((e) => `  {\n${e.replace(/^/gm, '    ')}\n  }`),
      '}',
      '',
    ].join('\n');
    const config = ts.getParsedCommandLineOfConfigFile(path.join(repoRoot, 'tsconfig.json'), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    })!;
    // The examples live in memory only; every other file comes from disk as usual.
    const disk = ts.createCompilerHost(config.options);
    const host: ts.CompilerHost = {
      ...disk,
      fileExists: (f) => f === file || disk.fileExists(f),
      readFile: (f) => (f === file ? source : disk.readFile(f)),
      getSourceFile: (f, lang, ...rest) => (f === file ? ts.createSourceFile(f, source, lang) : disk.getSourceFile(f, lang, ...rest)),
    };
    const program = ts.createProgram([file], { ...config.options, noEmit: true }, host);
    const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(file));
    const messages = diagnostics.map((d) => {
      const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const line = pos ? source.split('\n')[pos.line] : '';
      return `${ts.flattenDiagnosticMessageText(d.messageText, '\n')}\n  at: ${line?.trim() ?? ''}`;
    });
    expect(messages).toEqual([]);
  });
});
