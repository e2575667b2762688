#!/usr/bin/env node
// A minimal front door for the edge-options probe: /api -> the backend through http-proxy, a
// plain node:http keep-alive pool, or an undici Pool (when UNDICI names an installed undici),
// and / from files held in memory (with their .gz siblings). Not apposd: a lower bound of
// what its edge could cost.
// Three floors serve every path from the backend, one backend connection per client connection:
// `raw` relays bytes untouched both ways (no HTTP at all); `raw-llhttp` also runs both
// directions' bytes through Node's llhttp binding, as any proxy must to find where messages
// end (headers read, nothing re-written); `raw-wasm` parses with undici's WebAssembly llhttp
// (UNDICI names it) and reads nothing. What a Node edge costs can go no lower.
// Usage: node edge-server.mjs http-proxy|node-http|undici|raw|raw-llhttp|raw-wasm PORT BACKEND_PORT WEB_DIR
import { createHash } from 'node:crypto';
import { connect, createServer as createNetServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import httpProxy from 'http-proxy';

const [mode, port, backendPort, webDir] = process.argv.slice(2);
const agent = new Agent({
  keepAlive: true,
  maxSockets: 256,
  maxFreeSockets: 256,
  scheduling: 'lifo',
});
const target = { host: '127.0.0.1', port: Number(backendPort) };
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

const files = new Map();
const load = (path) => {
  const body = readFileSync(join(webDir, path));
  const gz = existsSync(join(webDir, `${path}.gz`))
    ? readFileSync(join(webDir, `${path}.gz`))
    : null;
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  const type = TYPES[extname(path)] ?? 'application/octet-stream';
  const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
  files.set(path, { body, gz, etag, type, cache });
};
load('/index.html');
load('/assets/app-3f2a1b.js');

function serveStatic(req, res) {
  const path = new URL(req.url, 'http://x').pathname;
  const f = files.get(path) ?? files.get('/index.html');
  const gzip = f.gz && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  const body = gzip ? f.gz : f.body;
  const headers = {
    'content-type': f.type,
    'content-length': body.length,
    etag: f.etag,
    'cache-control': f.cache,
    vary: 'Accept-Encoding',
  };
  if (gzip) headers['content-encoding'] = 'gzip';
  res.writeHead(200, headers);
  res.end(body);
}

const proxy = httpProxy.createProxyServer({ agent, xfwd: true });
proxy.on('error', (_err, _req, res) => {
  if (res.writeHead && !res.headersSent) res.writeHead(502);
  res.end();
});

function plain(req, res) {
  const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress };
  delete headers.connection;
  const up = request({ ...target, agent, method: req.method, path: req.url, headers }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(up);
}

const HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
]);
const pool =
  mode === 'undici'
    ? new (await import(process.env.UNDICI ?? 'undici')).Pool(`http://127.0.0.1:${backendPort}`, {
        connections: 64,
      })
    : null;

function viaUndici(req, res) {
  const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress };
  for (const h of HOP) delete headers[h];
  const bodyless = req.method === 'GET' || req.method === 'HEAD';
  pool.stream(
    { path: req.url, method: req.method, headers, body: bodyless ? null : req },
    ({ statusCode, headers: h }) => {
      for (const name of HOP) delete h[name];
      res.writeHead(statusCode, h);
      return res;
    },
    (err) => {
      if (!err) return;
      if (!res.headersSent) res.writeHead(502);
      res.end();
    },
  );
}

/** A parser of Node's llhttp binding that reads messages of `type` and keeps nothing. */
function floorParser(type) {
  const { HTTPParser: P } = process.binding('http_parser');
  const parser = new P();
  parser.initialize(P[type], {}, 0, 0);
  // No kOnBody: the binding then skips copying body bytes out for JavaScript.
  parser[P.kOnHeaders] = parser[P.kOnMessageComplete] = () => {};
  parser[P.kOnExecute] = () => {};
  parser[P.kOnHeadersComplete] = () => 0;
  return parser;
}

/**
 * Parsers of undici's llhttp WebAssembly build (UNDICI names an installed undici) whose
 * callbacks do nothing: the least a WebAssembly parse can cost, as `raw-wasm` pays it.
 */
function wasmParsers() {
  const file = join(dirname(process.env.UNDICI ?? 'undici'), 'lib/llhttp/llhttp-wasm.js');
  const { Instance, Module } = globalThis.WebAssembly;
  const mod = new Module(createRequire(import.meta.url)(file));
  const none = () => 0;
  const names = ['url', 'status', 'message_begin', 'header_field', 'header_value', 'body'];
  names.push('headers_complete', 'message_complete');
  const env = Object.fromEntries(names.map((n) => [`wasm_on_${n}`, none]));
  const ll = new Instance(mod, { env }).exports;
  let size = 64 * 1024;
  let at = ll.malloc(size);
  return (type) => {
    const ptr = ll.llhttp_alloc(type === 'REQUEST' ? 1 : 2);
    return {
      execute(chunk) {
        if (chunk.length > size) {
          ll.free(at);
          size = chunk.length;
          at = ll.malloc(size);
        }
        new Uint8Array(ll.memory.buffer, at, chunk.length).set(chunk);
        return ll.llhttp_execute(ptr, at, chunk.length) === 0 ? chunk.length : new Error('bad');
      },
    };
  };
}

/** Relays `from`'s bytes to `to` (parsed first when `parser` is given); errors close both. */
function relayBytes(from, to, parser) {
  from.on('data', (chunk) => {
    if (parser !== null && typeof parser.execute(chunk) !== 'number') from.destroy();
    else if (!to.write(chunk)) from.pause();
  });
  to.on('drain', () => from.resume());
  from.on('close', () => to.destroy());
  from.on('error', () => to.destroy());
}

if (mode.startsWith('raw')) {
  const parser =
    mode === 'raw-llhttp' ? floorParser : mode === 'raw-wasm' ? wasmParsers() : () => null;
  createNetServer({ noDelay: true }, (client) => {
    const up = connect({ ...target, noDelay: true });
    relayBytes(client, up, parser('REQUEST'));
    relayBytes(up, client, parser('RESPONSE'));
  }).listen(Number(port), '127.0.0.1');
} else
  createServer((req, res) => {
    if (!req.url.startsWith('/api/')) return serveStatic(req, res);
    if (mode === 'http-proxy')
      return proxy.web(req, res, { target: `http://127.0.0.1:${backendPort}` });
    if (mode === 'undici') return viaUndici(req, res);
    return plain(req, res);
  }).listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
