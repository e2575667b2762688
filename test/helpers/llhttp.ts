// Node's llhttp binding for tests that run the edge's hot path in the test process (main.ts
// obtains it the same way for the daemon).
import type { LlhttpBinding } from '../../src/http/wire/llhttp.js';

const quiet = process.noDeprecation;
process.noDeprecation = true;
/** `process.binding('http_parser')`, typed. */
export const llhttp = (process as unknown as { binding(name: string): LlhttpBinding }).binding(
  'http_parser',
);
process.noDeprecation = quiet;
