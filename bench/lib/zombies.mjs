// Each supervisor as PID 1 of a new PID namespace (unshare --pid --fork --mount-proc) running
// one program that double-forks 200 short-lived orphans: the zombies left once they all died.
import { loadavg, treeOf } from './procs.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** How long after the last orphan died the zombies are counted (supervisord reaps on a 1 s loop). */
const SETTLE_MS = 2000;

/**
 * @param {import('./stack.mjs').Stack & {outputContains(name: string, text: string): boolean}} stack
 *   a stack created with `{ pid1: true, programs: 'orphans' }`
 * @returns {Promise<{zombies: number, peakZombies: number, orphansSeen: number,
 *   load: ReturnType<typeof loadavg>}>}
 */
export async function countZombies(stack) {
  const load = loadavg();
  try {
    stack.launch();
    const pid1 = await stack.rootPid();
    const deadline = Date.now() + 15_000;
    let orphansSeen = 0;
    let peakZombies = 0;
    const look = () => {
      const kids = treeOf(pid1).filter((s) => s.ppid === pid1 && s.comm === 'sleep');
      orphansSeen = Math.max(orphansSeen, kids.length);
      peakZombies = Math.max(peakZombies, kids.filter((s) => s.state === 'Z').length);
      return kids;
    };
    while (Date.now() < deadline && !stack.outputContains('orphans', 'forked 200 orphans')) {
      look();
      await sleep(20);
    }
    // Every orphan lives 0.2 s: wait (bounded) until none is alive any more.
    for (let quiet = 0; quiet < 3 && Date.now() < deadline;) {
      quiet = look().some((s) => s.state !== 'Z') ? 0 : quiet + 1;
      await sleep(100);
    }
    await sleep(SETTLE_MS);
    const zombies = await stack.zombies();
    await stack.terminate(15_000);
    return { zombies, peakZombies, orphansSeen, load };
  } finally {
    if (stack.running()) await stack.kill();
  }
}
