// Pure helpers that describe how a process ended, in the words status and logs use.

export interface RawExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** "exit status 1", "killed by SIGKILL". */
export function describeExit({
  code,
  signal,
}: {
  code: number | null;
  signal: string | null;
}): string {
  if (signal) return `killed by ${signal}`;
  return `exit status ${code ?? '?'}`;
}

/** True when the process exited by itself with one of the expected codes. */
export function isExpectedExit({ code, signal }: RawExit, exitCodes: readonly number[]): boolean {
  return signal === null && code !== null && exitCodes.includes(code);
}

/** Seconds with one decimal, for reasons: 0.2s, 12.5s. */
export function seconds(ms: number): string {
  return `${(Math.round(ms / 100) / 10).toFixed(1)}s`;
}
