// The pocketbase probe (the one pocketbase SDK importer): passes when the SDK's
// `health.check()` succeeds against the base URL.
import PocketBase, { ClientResponseError } from 'pocketbase';
import type { ProbeCheck } from './types.js';

/** A readable reason for an SDK error: the HTTP status, or the network error behind it. */
function reason(err: unknown): Error {
  if (!(err instanceof ClientResponseError))
    return err instanceof Error ? err : new Error(String(err));
  if (err.isAbort) return new Error('aborted');
  if (err.status > 0) return new Error(`HTTP ${err.status}`);
  const original: unknown = err.originalError;
  const cause: unknown = original instanceof Error ? (original.cause ?? original) : original;
  return cause instanceof Error ? cause : new Error('request failed');
}

/** `url` without user:password (fetch refuses URLs that carry credentials). */
function withoutUserinfo(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.href;
}

/** Calls `GET <target>/api/health` through the SDK; concurrent checks never cancel each other. */
export const pocketbaseCheck: ProbeCheck = async (cfg, signal) => {
  signal.throwIfAborted();
  const pb = new PocketBase(withoutUserinfo(cfg.target));
  pb.autoCancellation(false);
  try {
    await pb.health.check({ requestKey: null, signal });
  } catch (err) {
    throw reason(err);
  }
};
