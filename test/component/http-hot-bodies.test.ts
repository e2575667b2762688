// Request bodies on the edge's hot path: Content-Length and chunked bodies, Expect:
// 100-continue (in any case, before or after the Content-Length) and max_body's 413 are
// served without node:http (no 'request' or 'checkContinue' event on the edge's server), the
// upstream gets exactly the body's bytes (a large one too, through a slow reader), a body
// request held while its program restarts is sent whole once it is back, a malformed chunk
// gets 400 (so do bad bytes read with a body's end, as node:http answers them), and an
// upstream that fails or answers early mid-body gets the answers node:http's path gives.
import { createHash } from 'node:crypto';
import { createServer, request, Server, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requestsRead } from '../helpers/edge-sockets.js';
import { FakeSupervisor } from '../helpers/fake-supervisor.js';
import { rawExchange, send, statusOf } from '../helpers/http-client.js';
import { countNodeHttp } from '../helpers/node-http-events.js';
import { httpConfig, startEdge, type TestEdge } from '../helpers/http-edge.js';
import { waitFor } from '../helpers/wait-for.js';

const MAX_BODY = 4 * 1024 * 1024;

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  complete: boolean;
  /** The request closed before its body ended. */
  aborted: boolean;
}

let upstream: Server;
let broken: ReturnType<typeof createNetServer>;
let t: TestEdge;
const seen: Seen[] = [];
/** node:http events on servers other than the test's upstream: the edge's server. */
const events = countNodeHttp((server) => server !== upstream);

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const entry: Seen = {
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.alloc(0),
      complete: false,
      aborted: false,
    };
    req.on('close', () => (entry.aborted = !req.complete));
    seen.push(entry);
    const chunks: Buffer[] = [];
    if (req.url === '/api/early') {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('no');
      return;
    }
    const slow = req.url === '/api/slow';
    let got = 0;
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      // A slow reader: a pause every 256 KiB.
      if (slow && got % (256 * 1024) < c.length) {
        req.pause();
        setTimeout(() => req.resume(), 20);
      }
    });
    req.on('end', () => {
      entry.body = Buffer.concat(chunks);
      entry.complete = true;
      const digest = createHash('sha256').update(entry.body).digest('hex');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${entry.body.length} ${digest}`);
    });
  });
  // Reads a little of each request, then closes without answering.
  broken = createNetServer((socket) => {
    socket.once('data', () => socket.destroy());
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  const brokenPort = (broken.address() as AddressInfo).port;
  t = await startEdge(
    httpConfig(
      [
        { path: '/api', upstream: `http://127.0.0.1:${port}` },
        { path: '/broken', upstream: `http://127.0.0.1:${brokenPort}` },
        { path: '/held', upstream: `http://127.0.0.1:${port}`, program: 'app', holdMs: 5000 },
      ],
      { maxBody: MAX_BODY, compress: false },
    ),
    new FakeSupervisor([{ name: 'app', pid: 1 }]),
  );
});

afterEach(() => {
  const { request, checkContinue } = events.counts;
  expect({ request, checkContinue }, 'requests node:http served on the edge').toEqual({
    request: 0,
    checkContinue: 0,
  });
});

afterAll(async () => {
  events.restore();
  await t?.close();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
  await new Promise((r) => broken?.close(r));
});

/** A raw connection to the edge: `text` is all it was sent so far; `closed` settles on close. */
class RawClient {
  readonly socket = connect(t.port, '127.0.0.1');
  text = '';
  readonly closed = new Promise((r) => this.socket.on('close', r));

  constructor() {
    this.socket.on('data', (c: Buffer) => (this.text += c.toString('latin1')));
    this.socket.on('error', () => undefined);
  }
}

const digestOf = (b: Buffer): string =>
  `${b.length} ${createHash('sha256').update(b).digest('hex')}`;

/** Sends `parts` as a chunked request body, one write each. */
function chunkedPost(path: string, parts: Buffer[], headers: Record<string, string> = {}) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(`${t.base}${path}`, { method: 'POST', agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    for (const p of parts) req.write(p);
    req.end();
  });
}

describe('request bodies on the hot path', () => {
  it('forwards a Content-Length body byte for byte', async () => {
    const body = Buffer.from('hello, upstream');
    const r = await send(`${t.base}/api/cl`, { method: 'POST', body });
    expect(r.status).toBe(200);
    expect(r.text()).toBe(digestOf(body));
    const s = seen.find((e) => e.url === '/api/cl')!;
    expect(s.headers['content-length']).toBe(String(body.length));
    expect(s.headers['transfer-encoding']).toBeUndefined();
    expect(t.accessLines().at(-1)).toMatchObject({ method: 'POST', path: '/api/cl', status: 200 });
  });

  it('forwards a chunked body chunked, exactly its bytes', async () => {
    const parts = [Buffer.from('first '), Buffer.from('second '), Buffer.alloc(70_000, 0x62)];
    const r = await chunkedPost('/api/chunked', parts);
    expect(r).toEqual({ status: 200, text: digestOf(Buffer.concat(parts)) });
    const s = seen.find((e) => e.url === '/api/chunked')!;
    expect(s.headers['transfer-encoding']).toBe('chunked');
    expect(s.headers['content-length']).toBeUndefined();
  });

  it('drops chunk extensions and trailers, and answers what follows in order', async () => {
    const raw =
      'POST /api/trailers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n' +
      'POST /api/after HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nxy' +
      'GET /api/last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    const text = await rawExchange(t.port, raw);
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    expect(statuses).toEqual([200, 200, 200]);
    expect(seen.find((e) => e.url === '/api/trailers')!.body.toString()).toBe('abcde');
    expect(seen.find((e) => e.url === '/api/after')!.body.toString()).toBe('xy');
    const order = seen.map((e) => e.url).filter((u) => /trailers|after|last/.test(u));
    expect(order).toEqual(['/api/trailers', '/api/after', '/api/last']);
  });

  it('answers Expect: 100-continue with 100, and never sends Expect upstream', async () => {
    const body = Buffer.from('after the hundred');
    const r = await new Promise<{ status: number; text: string; continued: boolean }>(
      (resolve, reject) => {
        let continued = false;
        const req = request(`${t.base}/api/expect`, {
          method: 'POST',
          agent: false,
          headers: { expect: '100-continue', 'content-length': body.length },
        });
        req.on('continue', () => {
          continued = true;
          req.end(body);
        });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text, continued }));
        });
        req.on('error', reject);
      },
    );
    expect(r).toEqual({ status: 200, text: digestOf(body), continued: true });
    expect(seen.find((e) => e.url === '/api/expect')!.headers.expect).toBeUndefined();
  });

  it('takes the expectation in any case, and Expect before or after Content-Length', async () => {
    const body = Buffer.from('sent once the hundred came');
    for (const [i, head] of [
      `Expect: 100-Continue\r\nContent-Length: ${body.length}`,
      `Content-Length: ${body.length}\r\nExpect: 100-CONTINUE`,
    ].entries()) {
      const client = new RawClient();
      const { socket } = client;
      socket.write(`POST /api/expect-${i} HTTP/1.1\r\nHost: x\r\n${head}\r\n\r\n`);
      // The body waits for the 100: without it, the exchange never ends.
      await waitFor(() => client.text.includes('HTTP/1.1 100 Continue\r\n\r\n'), {
        timeoutMs: 5000,
      });
      socket.end(body);
      await waitFor(() => client.text.includes(digestOf(body)), { timeoutMs: 5000 });
      socket.destroy();
      expect(client.text.indexOf('HTTP/1.1 100 Continue')).toBe(0);
      expect(statusOf(client.text.slice(client.text.indexOf('\r\n\r\n') + 4))).toBe(200);
    }
  });

  it('answers 413 to a Content-Length over max_body without reading it, and closes', async () => {
    const before = seen.length;
    for (const expectHeader of ['', 'Expect: 100-continue\r\n']) {
      const text = await rawExchange(
        t.port,
        `POST /api/big HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_BODY + 1}\r\n${expectHeader}\r\n`,
        { keepOpen: true },
      );
      expect(statusOf(text)).toBe(413);
      expect(text).not.toContain('100 Continue');
      expect(text).toContain('payload_too_large');
      expect(text.toLowerCase()).toContain('connection: close');
    }
    expect(seen.length).toBe(before);
  });

  it('answers 413 to a chunked body crossing max_body and abandons the upstream request', async () => {
    const client = new RawClient();
    const { socket, closed } = client;
    socket.write('POST /api/huge HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    const block = Buffer.alloc(256 * 1024, 0x63);
    const chunk = Buffer.concat([
      Buffer.from(`${block.length.toString(16)}\r\n`),
      block,
      Buffer.from('\r\n'),
    ]);
    for (let sent = 0; sent <= MAX_BODY && !socket.destroyed; sent += block.length) {
      if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
      if (client.text !== '') break;
    }
    await closed;
    expect(statusOf(client.text)).toBe(413);
    expect(client.text).toContain('payload_too_large');
    await waitFor(() => seen.find((e) => e.url === '/api/huge')?.aborted, {
      what: 'the upstream request abandoned',
    });
  });

  it('answers 400 to a malformed chunk mid-body and abandons the upstream request', async () => {
    const client = new RawClient();
    const { socket, closed } = client;
    socket.write(
      'POST /api/badchunk HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n',
    );
    await waitFor(() => seen.some((e) => e.url === '/api/badchunk'), {
      what: 'the request reaching the upstream',
    });
    socket.write('zz\r\nmore\r\n');
    await closed;
    expect(statusOf(client.text)).toBe(400);
    expect(client.text).toContain('bad_request');
    await waitFor(() => seen.find((e) => e.url === '/api/badchunk')?.aborted, {
      what: 'the upstream request abandoned',
    });
  });

  it('refuses bad bytes read with a body’s end, as node:http does: 400, the request unanswered', async () => {
    for (const [url, line, head, rest, next] of [
      ['/api/cut-length', 'HTTP/1.1', 'Content-Length: 5\r\n\r\nab', 'cde', '/api/a b'],
      [
        '/api/cut-chunked',
        'HTTP/1.1',
        'Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n',
        '0\r\n\r\n',
        '/api/a b',
      ],
      // Any request after one that closes its connection is one too many.
      ['/api/cut-closing', 'HTTP/1.0', 'Content-Length: 5\r\n\r\nab', 'cde', '/api/next'],
    ] as const) {
      const client = new RawClient();
      const { socket, closed } = client;
      socket.write(`POST ${url} ${line}\r\nHost: x\r\n${head}`);
      await waitFor(() => seen.some((e) => e.url === url), { what: 'the request upstream' });
      // The body's end and a request node:http refuses there, in one read.
      socket.write(`${rest}GET ${next} HTTP/1.1\r\nHost: x\r\n\r\n`);
      await closed;
      expect(client.text.match(/HTTP\/1\.1 \d{3} /g), url).toEqual(['HTTP/1.1 400 ']);
    }
  });

  it('answers a closing request whose body’s end came with line ends, as node:http skips them', async () => {
    const client = new RawClient();
    const { socket, closed } = client;
    socket.write('POST /api/cut-crlf HTTP/1.0\r\nHost: x\r\nContent-Length: 5\r\n\r\nab');
    await waitFor(() => seen.some((e) => e.url === '/api/cut-crlf'), {
      what: 'the request upstream',
    });
    socket.write('cde\r\n');
    await closed;
    expect(client.text.match(/HTTP\/1\.1 \d{3} /g)).toEqual(['HTTP/1.1 200 ']);
    expect(client.text).toContain(digestOf(Buffer.from('abcde')));
  });

  it('streams a large body through a slow upstream reader intact', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32LE(i, i);
    const r = await send(`${t.base}/api/slow`, { method: 'POST', body, timeoutMs: 30_000 });
    expect(r.status).toBe(200);
    expect(r.text()).toBe(digestOf(body));
    const parts = [body.subarray(0, 1_000_000), body.subarray(1_000_000)];
    expect(await chunkedPost('/api/slow', parts)).toEqual({ status: 200, text: digestOf(body) });
  });

  it('holds a body request while its program restarts, then sends it whole', async () => {
    t.supervisor.down('app', 'BACKOFF');
    const body = Buffer.alloc(1000, 0x64);
    const pending = send(`${t.base}/held/x`, { method: 'POST', body });
    await waitFor(() => requestsRead(t.port) === 1, { what: 'the held request' });
    expect(seen.some((e) => e.url === '/held/x')).toBe(false);
    t.supervisor.set('app', { state: 'RUNNING', ready: true, pid: 1 });
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.text()).toBe(digestOf(body));
  });

  it('answers 502 and closes when the upstream fails mid-body, without a retry', async () => {
    const text = await rawExchange(
      t.port,
      'POST /broken/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
      { keepOpen: true },
    );
    expect(statusOf(text)).toBe(502);
    expect(text).toContain('upstream_unavailable');
    expect(text.toLowerCase()).toContain('connection: close');
  });

  it('relays an answer the upstream gives before the body ends, then closes', async () => {
    const client = new RawClient();
    const { socket, closed } = client;
    socket.write('POST /api/early HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\npart');
    await closed;
    expect(statusOf(client.text)).toBe(401);
    expect(client.text.toLowerCase()).toContain('connection: close');
    expect(client.text).toContain('\r\nno\r\n');
  });
});
