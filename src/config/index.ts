// The config room's public face: load and resolve the config, its JSON Schema, the start
// plan shown by `apposd check`, and the reload diff.
export { ConfigError, type ConfigProblem } from './config-error.js';
export { diffPrograms, type ProgramDiff } from './diff.js';
export { loadConfig, resolveConfigPath } from './load.js';
export {
  checkWarnings,
  formatPlan,
  shutdownCriticalPath,
  shutdownCriticalPathMs,
  startOrder,
} from './plan.js';
export { jsonSchema } from './schema.js';
export { formatDuration, parseDuration, parseSize } from './units.js';
export type * from './types.js';
