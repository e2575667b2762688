// The chaos soak's 30-second run (the same harness as `npm run soak`, bench/soak/): the demo
// stack's programs under steady load through the edge while programs are killed -9, the backend
// is SIGSTOPped, the config reloads with a change, appos-ctl loops, a flooder writes and the log
// disk fills once. Every verdict must hold; the figures are printed for the record.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE, ROOT } from '../helpers/daemon.js';

interface SoakResult {
  requests: number;
  outcomes: Record<string, number>;
  failures: Record<string, number>;
  failureExamples: Record<string, string[]>;
  kills: number;
  reloads: number;
  reloadFailures: number;
  ctlRuns: number;
  diskFilled: boolean;
  tmpfs: boolean;
  verdicts: Record<string, boolean>;
}

function soak(seconds: number): Promise<{ code: number | null; result: SoakResult; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      NODE,
      [join(ROOT, 'bench/soak/run.mjs'), '--seconds', String(seconds), '--json'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        resolve({ code, result: JSON.parse(out) as SoakResult, err });
      } catch {
        reject(new Error(`the soak printed no result (exit ${code})\n${err}\n${out.slice(-2000)}`));
      }
    });
  });
}

describe('chaos soak (30 s)', () => {
  it('apposd lives through kills, stops, reloads, a flood and a full log disk', async () => {
    const { code, result, err } = await soak(30);
    const summary = JSON.stringify(result, null, 2);
    process.stderr.write(`${summary}\n`);
    for (const [name, held] of Object.entries(result.verdicts)) {
      expect(held, `${name}\n${summary}\n${err}`).toBe(true);
    }
    expect(code).toBe(0);
    // The chaos did happen.
    expect(result.kills).toBeGreaterThanOrEqual(3);
    expect(result.reloads).toBeGreaterThanOrEqual(1);
    expect(result.reloadFailures).toBe(0);
    expect(result.ctlRuns).toBeGreaterThanOrEqual(1);
    expect(result.requests).toBeGreaterThan(100);
    if (result.tmpfs) expect(result.diskFilled).toBe(true);
  }, 240_000);
});
