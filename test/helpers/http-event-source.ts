// A minimal EventSource for Node 20 tests (the global arrives with Node 22): GET with
// Accept: text/event-stream, SSE parsing (event, data, id), MessageEvents on the target.
// Enough for the pocketbase SDK's realtime client; no reconnection.
import { type ClientRequest, request } from 'node:http';

/** The subset of the browser's EventSource the pocketbase SDK uses. */
export class TestEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readyState = TestEventSource.CONNECTING;
  onerror: ((ev: Event) => void) | null = null;
  onopen: ((ev: Event) => void) | null = null;
  private readonly req: ClientRequest;

  constructor(readonly url: string) {
    super();
    this.req = request(url, { headers: { accept: 'text/event-stream' }, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        this.fail();
        return;
      }
      this.readyState = TestEventSource.OPEN;
      this.onopen?.(new Event('open'));
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk.replace(/\r\n/g, '\n');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          this.dispatchBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      });
      res.on('end', () => this.fail());
      res.on('error', () => this.fail());
    });
    this.req.on('error', () => this.fail());
    this.req.end();
  }

  close(): void {
    this.readyState = TestEventSource.CLOSED;
    this.req.destroy();
  }

  private fail(): void {
    if (this.readyState === TestEventSource.CLOSED) return;
    this.readyState = TestEventSource.CLOSED;
    this.onerror?.(new Event('error'));
  }

  private dispatchBlock(block: string): void {
    let type = 'message';
    let id = '';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
    if (data.length === 0) return;
    this.dispatchEvent(new MessageEvent(type, { data: data.join('\n'), lastEventId: id }));
  }
}
