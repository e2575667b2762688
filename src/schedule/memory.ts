// What the scheduler remembers across restarts: per program, the time up to which its schedule
// was covered by a running apposd (its last tick, or when apposd first saw it). One JSON file,
// replaced atomically; a missing or unreadable file means nothing is remembered.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

interface MemoryFile {
  version: 1;
  programs: Record<string, { covered_until: number }>;
}

/** The last covered time of each scheduled program, kept in `file` (or only in memory). */
export class ScheduleMemory {
  private readonly programs: Record<string, { covered_until: number }>;

  /** `file` absent: nothing survives a restart (run_once then never finds a missed time). */
  constructor(private readonly file: string | undefined) {
    this.programs = file === undefined ? {} : read(file);
  }

  /** Epoch ms up to which `program`'s schedule was covered, or undefined when never seen. */
  coveredUntil(program: string): number | undefined {
    return this.programs[program]?.covered_until;
  }

  /** Records that `program`'s schedule was covered up to `at`; returns the write error, if any. */
  cover(program: string, at: number): Error | null {
    this.programs[program] = { covered_until: at };
    if (this.file === undefined) return null;
    const body: MemoryFile = { version: 1, programs: this.programs };
    const tmp = `${this.file}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      writeFileSync(tmp, `${JSON.stringify(body)}\n`, { mode: 0o600 });
      renameSync(tmp, this.file);
      return null;
    } catch (err) {
      return err as Error;
    }
  }
}

function read(file: string): Record<string, { covered_until: number }> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<MemoryFile>;
    const out: Record<string, { covered_until: number }> = {};
    for (const [name, v] of Object.entries(parsed.programs ?? {})) {
      if (typeof v?.covered_until === 'number') out[name] = { covered_until: v.covered_until };
    }
    return out;
  } catch {
    return {};
  }
}
