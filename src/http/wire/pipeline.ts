// Pipelined requests on connections node:http serves, taken one at a time. node:http emits every
// request of a read at once and reads on while the answers are still owed, so a client that
// pipelines without reading had apposd proxy 120,000 requests at once on one connection (RSS
// 65 -> 290-550 MB, seconds of CPU after it left). Here a connection's next request starts once
// the answer before it is done and the client read what was written, as nginx serves them, and
// the connection stops reading while PIPELINE_WAITING_MAX requests or more wait.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Waiting requests past which the connection stops reading (node:http finishes the read). */
export const PIPELINE_WAITING_MAX = 16;

/** What answers a request ('request' and 'checkContinue' have their own). */
export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Hands `req` to `handle` once the connection's requests before it were answered. */
export type Pipeline = (req: IncomingMessage, res: ServerResponse, handle: Handler) => void;

/** The fields of node:http's sockets it pauses reading with (its own `socketOnDrain` way). */
interface HttpSocket extends Socket {
  _paused?: boolean;
  parser?: { resume(): void } | null;
}

type Waiting = [IncomingMessage, ServerResponse, Handler];

interface Line {
  /** Requests waiting behind the one in flight. */
  readonly waiting: Waiting[];
  /** This queue paused the socket's reading. */
  paused: boolean;
  /** Listens for node:http resuming the socket (undefined until the line first paused it). */
  onResume?: () => void;
}

/** Stops `socket`'s reading as node:http's own backpressure does. */
function pauseReading(socket: HttpSocket): void {
  socket._paused = true;
  socket.pause();
}

/**
 * A pipeline: each connection's requests are handled one at a time, in order, the next once
 * the previous answer closed (finished or cut).
 */
export function oneAtATime(): Pipeline {
  const lines = new WeakMap<Socket, Line>();

  const start = ([req, res, handle]: Waiting, socket: HttpSocket, line: Line): void => {
    // Read now: node:http lets go of the request's socket once the answer is done.
    res.once('close', () => next(socket, line));
    handle(req, res);
  };

  const next = (socket: HttpSocket, line: Line): void => {
    // The client has not read the answers so far: the next waits until it does.
    if (socket.writableNeedDrain && !socket.destroyed) {
      socket.once('drain', () => next(socket, line));
      return;
    }
    // An answer that closed the connection (Connection: close, a refusal of faulty framing)
    // ends it: requests pipelined after it are never handled, as nginx reads no further.
    if (socket.writableEnded || socket.destroyed) line.waiting.length = 0;
    let item = line.waiting.shift();
    // Requests of a connection that closed meanwhile are never answered.
    while (item !== undefined && (item[0].destroyed || item[1].destroyed)) {
      item = line.waiting.shift();
    }
    if (line.paused && line.waiting.length < PIPELINE_WAITING_MAX / 2 && !socket.destroyed) {
      line.paused = false;
      socket._paused = false;
      socket.parser?.resume();
      socket.resume();
    }
    if (item === undefined) {
      lines.delete(socket);
      if (line.onResume !== undefined) socket.off('resume', line.onResume);
    } else {
      start(item, socket, line);
    }
  };

  return (req, res, handle) => {
    const socket = req.socket as HttpSocket;
    const line = lines.get(socket);
    if (line === undefined) {
      const fresh: Line = { waiting: [], paused: false };
      lines.set(socket, fresh);
      start([req, res, handle], socket, fresh);
      return;
    }
    line.waiting.push([req, res, handle]);
    if (line.waiting.length >= PIPELINE_WAITING_MAX && !line.paused) {
      // node:http pauses its parser after the read in hand (it sees `_paused`). It resumes
      // the socket itself each time its writes drain: while the line is long, it is paused
      // again (at most one more read is buffered, unparsed, meanwhile).
      line.paused = true;
      pauseReading(socket);
      if (line.onResume === undefined) {
        const onResume = (): void => {
          if (line.paused) pauseReading(socket);
        };
        line.onResume = onResume;
        socket.on('resume', onResume);
      }
    }
  };
}
