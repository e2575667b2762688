// `apposd export compose|k8s`: the exported text to -o FILE or stdout, notes and problems to
// stderr, and the exit code. main.ts passes its working directory and output streams in.
import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { readRawConfig } from '../config/load.js';
import type { AppConfig } from '../config/types.js';
import { EXIT } from '../errors.js';
import { exportCompose } from './compose.js';
import { exportK8s } from './k8s.js';

/** Where `apposd export` writes, and the directory relative paths start from. */
export interface ExportIo {
  cwd: string;
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * Exports the config loaded from `loaded.path` for `target` (compose unless 'k8s') to `output`
 * (a file) or stdout. Returns apposd's exit code: 1 when the config cannot be exported.
 */
export function runExport(
  target: 'compose' | 'k8s' | undefined,
  output: string | undefined,
  loaded: { path: string; config: AppConfig },
  io: ExportIo,
): number {
  const outDir = output === undefined ? io.cwd : dirname(resolve(output));
  const input = {
    config: loaded.config,
    raw: readRawConfig(loaded.path),
    source: relative(io.cwd, loaded.path) || loaded.path,
    envFileRef: (p: { envFile?: string }) => relative(outDir, p.envFile ?? '') || '.',
  };
  const result = target === 'k8s' ? exportK8s(input) : exportCompose(input);
  if (result.problems.length > 0) {
    io.stderr(`apposd export ${target}: cannot export ${input.source}:\n`);
    for (const p of result.problems) io.stderr(`  ${p}\n`);
    return EXIT.CRITICAL;
  }
  if (output === undefined) io.stdout(result.text);
  else writeFileSync(output, result.text);
  for (const n of result.notes) io.stderr(`note: ${n}\n`);
  return EXIT.OK;
}
