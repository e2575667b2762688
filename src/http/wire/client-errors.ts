// Answers to requests the HTTP parser rejects before any handler runs: slow headers (408),
// oversized headers (431), malformed or smuggling-shaped requests such as Content-Length
// together with Transfer-Encoding (400). Written straight to the socket, then closed.
import type { Socket } from 'node:net';
import { writeRawResponse } from '../proxy/error-responses.js';

interface ParserSocket extends Socket {
  /** The response in progress on this connection, if any (Node's own field). */
  _httpMessage?: { headersSent?: boolean } | null;
}

/** The status apposd answers for a parser error code. */
export function clientErrorStatus(code: string | undefined): 400 | 408 | 431 {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    default:
      return 400;
  }
}

const BODIES: Record<400 | 408 | 431, string> = {
  400: '{"error":"bad_request"}',
  408: '{"error":"request_timeout"}',
  431: '{"error":"request_header_fields_too_large"}',
};

/** Answers a request the parser refused (or timed out) with `status`, and closes. */
export function answerClientError(socket: Socket, status: 400 | 408 | 431): void {
  writeRawResponse(socket, status, BODIES[status]);
}

/** A `clientError` listener for the public listener. */
export function handleClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  const s = socket as ParserSocket;
  if (err.code === 'ECONNRESET' || !s.writable || s._httpMessage?.headersSent) {
    s.destroy();
    return;
  }
  answerClientError(s, clientErrorStatus(err.code));
}
