// A resolved ProgramConfig with the documented defaults, for pure unit tests that need one
// without loading YAML.
import type { ProbeConfig, ProgramConfig } from '../../src/config/types.js';

/** A daemon named `name` with every default; `over` replaces fields. */
export function programConfig(name: string, over: Partial<ProgramConfig> = {}): ProgramConfig {
  return {
    name,
    command: [name],
    env: {},
    inherited: {},
    priority: 100,
    dependsOn: [],
    autostart: true,
    kind: 'daemon',
    restart: 'always',
    exitCodes: [0],
    startSecondsMs: 1000,
    startTimeoutMs: 60_000,
    startRetries: 3,
    backoff: { initialMs: 200, maxMs: 30_000 },
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 5000,
    critical: false,
    ...over,
  };
}

/** A tcp probe with the documented defaults; `over` replaces fields. */
export function probeConfig(over: Partial<ProbeConfig> = {}): ProbeConfig {
  return {
    kind: 'tcp',
    target: '127.0.0.1:1',
    argv: [],
    intervalMs: 1000,
    timeoutMs: 1000,
    retries: 3,
    initialDelayMs: 0,
    ...over,
  };
}
