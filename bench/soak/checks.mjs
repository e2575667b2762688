// The soak's arithmetic: the trend of a sampled series (least-squares slope per minute) and
// the flooder's line accounting (every line written is in apposd's log, and in the log
// files unless it came while the log disk was full: those are counted as dropped).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Least-squares slope of [seconds, value] points, per minute; 0 for fewer than 3 points.
 * @param {[number, number][]} points
 */
export function slopePerMinute(points) {
  const n = points.length;
  if (n < 3) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60;
}

const LINE = /F (\d+) (\d+) y/g;
/** How far file writes may lag the flooder on a loaded machine. */
const LAG_MS = 10_000;

/** Distinct `pid:seq` of flooder lines in `text`. */
function linesIn(text, into) {
  for (const m of text.matchAll(LINE)) into.add(`${m[1]}:${m[2]}`);
  return into;
}

function read(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * @param {{apposdLog: string, logDir: string, countFile: string, fillStartedAt: number | null}} o
 */
export function floodAccount({ apposdLog, logDir, countFile, fillStartedAt }) {
  // What each flooder run confirmed written, with when.
  const ticks = read(countFile)
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ').map(Number));
  const byPid = new Map();
  for (const [pid, seq, at] of ticks) byPid.set(pid, [...(byPid.get(pid) ?? []), [seq, at]]);
  const upTo = new Map([...byPid].map(([pid, list]) => [pid, Math.max(...list.map(([q]) => q))]));
  const inLog = linesIn(read(apposdLog), new Set());
  const inFiles = new Set();
  let files = [];
  try {
    files = readdirSync(logDir).filter((f) => f.startsWith('flooder.log'));
  } catch {
    // no log dir
  }
  for (const f of files) linesIn(read(join(logDir, f)), inFiles);
  const lastInFile = new Map();
  for (const key of inFiles) {
    const [pid, seq] = key.split(':').map(Number);
    lastInFile.set(pid, Math.max(lastInFile.get(pid) ?? 0, seq));
  }
  let written = 0;
  let missingFromLog = 0;
  let dropped = 0;
  let lost = 0;
  for (const [pid, last] of upTo) {
    const list = (byPid.get(pid) ?? []).sort((a, b) => a[0] - b[0]);
    let tick = 0;
    for (let seq = 1; seq <= last; seq++) {
      while (tick < list.length - 1 && (list[tick]?.[0] ?? 0) < seq) tick++;
      const at = list[tick]?.[1] ?? Infinity;
      written++;
      const key = `${pid}:${seq}`;
      if (!inLog.has(key)) missingFromLog++;
      if (inFiles.has(key)) continue;
      // Not in the files: a hole before a line that is there is lost; the tail of a run is
      // dropped when it was written around or after the disk filled (file writes lag a
      // loaded machine by seconds), else lost.
      const tail = seq > (lastInFile.get(pid) ?? 0);
      if (tail && fillStartedAt !== null && at >= fillStartedAt - LAG_MS) dropped++;
      else lost++;
    }
  }
  return {
    runs: upTo.size,
    written,
    inFiles: written - dropped - lost,
    dropped,
    lost,
    missingFromLog,
  };
}
