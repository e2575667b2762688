// The real PocketBase behind /pb (strip_prefix): its admin UI and assets load through the
// prefix, the pocketbase SDK creates and reads a record, and a realtime subscription (SSE)
// receives the create event through the proxy.
import PocketBase from 'pocketbase';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestEventSource } from '../helpers/http-event-source.js';
import { FakeSupervisor } from '../helpers/fake-supervisor.js';
import { send } from '../helpers/http-client.js';
import { httpConfig, startEdge, type TestEdge } from '../helpers/http-edge.js';
import { startPocketBase, type PocketBase as PbProcess } from '../helpers/http-upstreams.js';
import { waitFor } from '../helpers/wait-for.js';

let pbProcess: PbProcess;
let t: TestEdge;
const g = globalThis as { EventSource?: unknown };
const savedEventSource = g.EventSource;

beforeAll(async () => {
  pbProcess = await startPocketBase();
  t = await startEdge(
    httpConfig([
      {
        path: '/pb',
        upstream: pbProcess.upstream.url,
        program: 'pocketbase',
        stripPrefix: true,
        websocket: true,
      },
    ]),
    new FakeSupervisor([{ name: 'pocketbase' }]),
  );
  g.EventSource = TestEventSource;
}, 60_000);

afterAll(async () => {
  g.EventSource = savedEventSource;
  await t?.close();
  await pbProcess?.cleanup();
});

describe('PocketBase behind /pb', () => {
  it('serves the admin UI page and its assets through the prefix', async () => {
    const page = await send(`${t.base}/pb/_/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['x-frame-options']).toBeTruthy();
    const html = page.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const url = new URL(ref, `${t.base}/pb/_/`);
      expect(url.pathname.startsWith('/pb/_/'), ref).toBe(true);
      const asset = await send(url.href, { headers: { 'accept-encoding': 'br, gzip' } });
      expect(asset.status, ref).toBe(200);
      expect(asset.headers['content-type'], ref).toMatch(/javascript|css/);
      expect(asset.body.length, ref).toBeGreaterThan(100);
    }
  });

  it('creates and reads a record with the SDK, and streams the realtime create event', async () => {
    const pb = new PocketBase(`${t.base}/pb`);
    pb.autoCancellation(false);
    const auth = (await pb.send('/api/admins/auth-with-password', {
      method: 'POST',
      body: { identity: pbProcess.email, password: pbProcess.password },
    })) as { token: string; admin: Record<string, unknown> };
    expect(auth.token).toBeTruthy();
    pb.authStore.save(auth.token, auth.admin as never);
    await pb.send('/api/collections', {
      method: 'POST',
      body: {
        name: 'notes',
        type: 'base',
        schema: [{ name: 'title', type: 'text' }],
        listRule: '',
        viewRule: '',
        createRule: '',
      },
    });

    const events: { action: string; record: { id: string; title: string } }[] = [];
    const unsubscribe = await pb.collection('notes').subscribe('*', (e) => {
      events.push(e as unknown as (typeof events)[number]);
    });
    try {
      const created = await pb.collection('notes').create({ title: 'through apposd' });
      const read = await pb.collection('notes').getOne(created.id);
      expect(read.title).toBe('through apposd');
      const event = await waitFor(() => events.find((e) => e.record.id === created.id), {
        what: 'the realtime create event',
      });
      expect(event.action).toBe('create');
      expect(event.record.title).toBe('through apposd');
    } finally {
      await unsubscribe();
      pb.realtime.unsubscribe().catch(() => undefined);
    }
  });
});
