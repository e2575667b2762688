// Counts the requests and upgrades node:http serves in the test process: the edge's hot path
// serves a request without node:http, so a request that reaches node:http shows up here.
import { Server } from 'node:http';

export interface NodeHttpEvents {
  /** 'request', 'checkContinue' and 'upgrade' events node:http emitted since the count began. */
  readonly counts: { request: number; checkContinue: number; upgrade: number };
  /** Stops counting. */
  restore(): void;
}

/**
 * Starts counting the events node:http servers in this process emit (only those `counted`
 * accepts, e.g. the edge's and not a test's upstream).
 */
export function countNodeHttp(counted: (server: Server) => boolean = () => true): NodeHttpEvents {
  const counts = { request: 0, checkContinue: 0, upgrade: 0 };
  const emit = Server.prototype.emit;
  Server.prototype.emit = function (this: Server, name: string | symbol, ...args: unknown[]) {
    const ours = name === 'request' || name === 'checkContinue' || name === 'upgrade';
    if (ours && counted(this)) counts[name]++;
    return emit.apply(this, [name, ...args] as Parameters<typeof emit>);
  } as typeof emit;
  return {
    counts,
    restore() {
      Server.prototype.emit = emit;
    },
  };
}
