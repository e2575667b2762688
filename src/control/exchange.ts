// One control request over node:http: its path and query, its JSON body read with a size bound,
// and the JSON answers (success, error, malformed HTTP) written back. No routing, no handlers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError, badRequest } from './api-error.js';
import { API_ERRORS } from '../errors.js';
import type { ErrorBody } from './protocol.js';

/** A query string as handlers see it: a repeated key becomes a list. */
export type Query = Record<string, string | string[]>;

/** The request target split into its path and decoded query. */
export function parseTarget(url: string): { path: string; query: Query } {
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const query: Query = {};
  if (mark < 0) return { path, query };
  for (const [key, value] of new URLSearchParams(url.slice(mark + 1))) {
    const seen = query[key];
    if (seen === undefined) query[key] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else query[key] = [seen, value];
  }
  return { path, query };
}

function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  return type === 'application/json';
}

/**
 * Reads the body of `req` (at most `limit` bytes) and parses it as JSON. An empty body is
 * `undefined`. Rejects with ApiError 413 over the limit (without reading the rest), 415 for a
 * body that is not `application/json`, 400 for malformed JSON.
 */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = req.headers['content-length'];
  const tooLarge = (): ApiError =>
    new ApiError(413, API_ERRORS.BAD_REQUEST, `the body is larger than ${limit} bytes`);
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (size === 0) return resolve(undefined);
      const contentType = req.headers['content-type'];
      if (!isJson(contentType)) {
        return reject(
          new ApiError(
            415,
            API_ERRORS.BAD_REQUEST,
            `the body must be application/json, not ${contentType ?? 'untyped'}`,
          ),
        );
      }
      try {
        resolve(JSON.parse(Buffer.concat(chunks, size).toString('utf8')));
      } catch {
        reject(badRequest('the body is not valid JSON'));
      }
    };
    req.on('data', onData);
    req.on('end', onEnd);
  });
}

/** Writes `body` as the JSON answer with `status`; nothing when the client has gone. */
export function sendJson(res: ServerResponse, status: number, body: unknown, close = false): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * Answers a request node:http could not parse (the server's `clientError`) with a JSON error
 * and closes the connection; a connection already reset is only destroyed.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const message =
    status === 431
      ? 'the request headers are too large'
      : status === 408
        ? 'the request took too long to arrive'
        : 'malformed HTTP request';
  const body: ErrorBody = { error: { code: API_ERRORS.BAD_REQUEST, message } };
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\nconnection: close\r\n` +
      `content-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    () => socket.destroy(),
  );
}
