// Durations ("500ms", "8s", "1m30s") to milliseconds and sizes ("10MB", 4096) to bytes.
// The patterns are shared with the JSON Schema so the editor and the loader agree.

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** One or more `<number><unit>` parts, units ms, s, m, h: `500ms`, `1.5s`, `1m30s`, `0s`. */
export const DURATION_PATTERN = '^(?:[0-9]+(?:\\.[0-9]+)?(?:ms|s|m|h))+$';

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** `<number><unit>`, units B, KB, MB, GB (also K/KiB...; any case), 1024-based. */
export const SIZE_PATTERN = '^[0-9]+(?:\\.[0-9]+)?\\s*(?:[bB]|[kKmMgG](?:[iI]?[bB])?)?$';

const durationRe = new RegExp(DURATION_PATTERN);
const durationPartRe = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;
const sizeRe = /^([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)$/;

/** Whether `text` is a duration `parseDuration` accepts. */
export function isDuration(text: string): boolean {
  return durationRe.test(text);
}

/**
 * Parses a duration to whole milliseconds. Throws on anything else, including bare numbers
 * (the message says what to write instead).
 */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    throw new Error(`a duration needs a unit: write ${value}s or ${value}ms`);
  }
  const text = value.trim();
  if (!durationRe.test(text)) {
    throw new Error(`expected a duration like 500ms, 5s, 2m or 1h, got "${value}"`);
  }
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(durationPartRe)) {
    ms += Number(amount) * (DURATION_UNITS[unit ?? ''] ?? 0);
  }
  return Math.round(ms);
}

/** Whether `value` is a size `parseSize` accepts. */
export function isSize(value: string | number): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0;
  const m = sizeRe.exec(value.trim());
  return m !== null && (m[2] ?? '').toLowerCase() in SIZE_UNITS;
}

/** Parses a size to whole bytes, 1024-based: `10MB`, `512KB`, `1GB`, `100B`, or an integer. */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) return value;
    throw new Error(`expected a size like 10MB or a whole number of bytes, got ${value}`);
  }
  const m = sizeRe.exec(value.trim());
  const factor = m ? SIZE_UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || factor === undefined) {
    throw new Error(`expected a size like 100B, 512KB, 10MB or 1GB, got "${value}"`);
  }
  return Math.floor(Number(m[1]) * factor);
}

/** Formats milliseconds for humans: 500ms, 8s, 1.5s, 2m, 1m30s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(3))}s`;
  const minutes = Math.floor(ms / 60_000);
  const rest = ms - minutes * 60_000;
  return rest === 0 ? `${minutes}m` : `${minutes}m${formatDuration(rest)}`;
}
