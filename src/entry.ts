#!/usr/bin/env node
// apposd's entry (dist/main.js): scavenges on one thread (young-generation.ts), turns on Node's
// compile cache, then loads the composition root (main.ts) and the modules it imports. The
// cache must be on before that module graph is read: Node 22 then keeps the code it compiles
// in `.compile-cache/` beside this file and reuses it on the next start (the image's build runs
// `apposd --version` and `apposd check`, which fill it). Node 20 has no compile cache for ES
// modules: there this only loads main.ts. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { scavengeOnThisThread } from './young-generation.js';

scavengeOnThisThread();

const withCache = module as typeof module & { enableCompileCache?: (dir: string) => unknown };
withCache.enableCompileCache?.(fileURLToPath(new URL('.compile-cache/', import.meta.url)));
await import('./main.js');
