// apposd's young generation, where V8 puts what each request leaves behind (heads, strings,
// buffers' handles) and collects it with scavenges. On a large host V8 lets its two semi-spaces
// grow from 1 to 16 MiB each under load and keeps them: some 25 MB of RSS after the bench's
// loads. apposd lets them grow to 2 MiB and no further, and scavenges on the main thread alone.
//
// Both are V8 flags that V8 reads as it goes (the growth factor when it grows the new space after
// a scavenge, the helper threads at each scavenge), so apposd sets them at run time:
// - as a start flag (`--max-semi-space-size=2`) the cap made every start 17 ms slower: with a V8
//   flag changed, Node's own modules no longer match their built-in code cache and compile anew;
//   for the same reason the growth factor is left alone until the edge or a program's output is
//   busy, after the start;
// - looked at from a timer, each wake-up of an idle apposd cost some 0.2 ms of CPU, and after
//   each collection (a 'gc' PerformanceObserver) each scavenge promoted 4.4 KB instead of 0.7 KB:
//   the edge's reads and the programs' output ask for a look instead, at most one per
//   LOOK_AFTER_MS. Without the output's, a program logging 10,000 lines a second grew the new
//   space to 2 x 16 MiB in 15 s; at 3,000 lines a second apposd's RSS went from 60 to 96-99 MB in
//   15-20 s, 75-81 MB with it. A look stops growth, it does not shrink: a space V8 grew before
//   the first look (to 2 x 4 MiB while apposd starts, at times) stays so until V8 shrinks it idle.
//
// Measured on the edge (--trace-gc-nvp, wrk on /api, 3 s, a build whose requests left 4.9 KB of
// garbage each, 6.1 KB now), GC pause per request: 0.33 us at 2 MiB, 0.25 us with V8's growth,
// 0.56-0.62 us at 1 MiB (no growth at all); with helper threads at 2 MiB, 0.72-0.81 us: in so
// small a space they cost more to start and join than they copy. Now: 0.40-0.46 us at 2 MiB.
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** The new space (both semi-spaces) may grow while below this: from 2 x 1 MiB to 2 x 2 MiB. */
export const GROW_BELOW_BYTES = 3 * 1024 * 1024;

/**
 * How long after a read the new space's size is looked at. From 2 MiB semi-spaces V8 doubles it
 * once as many bytes as it holds survived scavenges since it last grew: some 100 scavenges of
 * 2 MiB, a second of apposd's busiest load here (37k requests a second, 6 KB each); a fresh
 * process's first burst, before its code is optimised, took less than 250 ms.
 */
export const LOOK_AFTER_MS = 100;

/** Scavenges run on the main thread only. */
export function scavengeOnThisThread(): void {
  setFlagsFromString('--no-parallel-scavenge');
}

/** V8's growth factor as last set here (2 is V8's own). */
let factor = 2;
let lookDue = false;

function newSpaceBytes(): number {
  for (const s of getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_size;
  return 0;
}

/**
 * Holds the new space at 2 x 2 MiB: V8's growth factor is 2 while the new space is below
 * {@link GROW_BELOW_BYTES} (it starts at 2 x 1 MiB, and V8 shrinks it when idle), 1 once it
 * reached that.
 */
function look(): void {
  lookDue = false;
  const next = newSpaceBytes() < GROW_BELOW_BYTES ? 2 : 1;
  if (next === factor) return;
  factor = next;
  setFlagsFromString(`--semi-space-growth-factor=${next}`);
}

/**
 * The edge read something, or a program wrote: the young generation is looked at soon (the timer
 * holds nothing up).
 */
export function youngGenerationBusy(): void {
  if (lookDue) return;
  lookDue = true;
  setTimeout(look, LOOK_AFTER_MS).unref();
}
