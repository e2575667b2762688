// `npm ci` on the oldest Node that package.json's engines field admits prints no EBADENGINE:
// every package in the lock file (dev tools included) accepts that Node version.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../../helpers/daemon.js';

interface LockEntry {
  version?: string;
  engines?: Record<string, string> | string[];
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

describe('engines', () => {
  test('every locked package runs on the oldest Node that package.json promises', () => {
    const oldest = semver.minVersion(pkg.engines.node);
    expect(oldest).not.toBeNull();
    const refusing = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, entry]) => {
        const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        return range !== undefined && !semver.satisfies(oldest!, range)
          ? [`${path.replace(/^.*node_modules\//, '')}@${entry.version}: node ${range}`]
          : [];
      });
    expect(refusing).toEqual([]);
  });

  test('the Node running the suite is one package.json admits', () => {
    expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
  });
});
