// apposd's young generation, where V8 puts what each request leaves behind (heads, strings,
// buffers' handles) and collects it with scavenges. The image keeps its semi-spaces at 2 MiB
// (`--max-semi-space-size=2` in NODE_OPTIONS, docker/Dockerfile): on a large machine V8 lets
// them grow to 16 MiB each under load, some 25 MB of RSS that stays after the load. So small a
// space is scavenged often and quickly, and on this thread alone: helper threads cost more to
// start and join than they copy. Measured on the edge (--trace-gc-nvp, wrk on /api, 3 s), GC
// pause per request: 0.42-0.46 us single-threaded against 0.72-0.81 us with helpers at 2 MiB,
// and 0.47-0.55 us with helpers at V8's default size before the answer heads were written
// straight into bytes. V8 reads this flag at each scavenge, so it can be set after the start.
import { setFlagsFromString } from 'node:v8';

/** Scavenges run on the main thread only. */
export function scavengeOnThisThread(): void {
  setFlagsFromString('--no-parallel-scavenge');
}
