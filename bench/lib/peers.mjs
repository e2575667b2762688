// The other front doors a user might pick instead of nginx, measured in the classic launch
// against the same backend and PocketBase: HAProxy (Debian's 2.6, two threads like nginx's
// two workers) and Caddy (Debian's 2.6). Small JSON via /api and via /pb (prefix stripped):
// req/s, p99, CPU per request, and RSS after the load.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitAll200 } from './http-client.mjs';
import { cpuPerRequest, cpuSplit, rssKb } from './procs.mjs';
import { wrk } from './wrk.mjs';

const haproxyConf = (port, backend, pb) => `global
  nbthread 2
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
frontend edge
  bind 127.0.0.1:${port}
  use_backend pb if { path_beg /pb/ }
  default_backend api
backend api
  server backend 127.0.0.1:${backend}
backend pb
  http-request set-path %[path,regsub(^/pb/,/)]
  server pocketbase 127.0.0.1:${pb}
`;

const caddyfile = (port, backend, pb) => `{
  admin off
  auto_https off
}
http://127.0.0.1:${port} {
  handle_path /pb/* {
    reverse_proxy 127.0.0.1:${pb}
  }
  reverse_proxy 127.0.0.1:${backend}
}
`;

/**
 * Measures HAProxy and Caddy in front of `ports.backend` and `ports.pocketbase`.
 * @param {import('./procs.mjs').ProcessTracker} tracker
 * @param {{dir: string, ports: {backend: number, pocketbase: number}}} settings
 * @param {number} port a free port for the peers (one after the other)
 * @param {number} seconds wrk seconds per route
 * @param {(line: string) => void} say
 */
export async function measurePeers(tracker, settings, port, seconds, say) {
  const { backend, pocketbase } = settings.ports;
  const peers = {
    haproxy: () => {
      const conf = join(settings.dir, 'haproxy.cfg');
      writeFileSync(conf, haproxyConf(port, backend, pocketbase));
      return ['haproxy', ['-f', conf, '-db']];
    },
    caddy: () => {
      const conf = join(settings.dir, 'Caddyfile');
      writeFileSync(conf, caddyfile(port, backend, pocketbase));
      return ['caddy', ['run', '--config', conf, '--adapter', 'caddyfile']];
    },
  };
  const out = {};
  for (const [name, command] of Object.entries(peers)) {
    const [cmd, args] = command();
    const { child, exited } = tracker.spawn(cmd, args, {
      stdio: 'ignore',
      env: { ...process.env, HOME: settings.dir, XDG_DATA_HOME: settings.dir },
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitAll200([`${base}/api/hello`, `${base}/pb/api/health`], { timeoutMs: 15_000 });
      const pid = child.pid;
      const r = {};
      for (const [key, path] of [
        ['api_small', '/api/hello'],
        ['pb_health', '/pb/api/health'],
      ]) {
        const cpu0 = cpuSplit([pid]);
        const h = await wrk(tracker, `${base}${path}`, { seconds, connections: 32 });
        Object.assign(h, cpuPerRequest(cpu0, cpuSplit([pid]), h.requests));
        r[key] = h;
      }
      r.rssLoadKb = rssKb(pid);
      out[name] = r;
      say(
        `  ${name}: /api ${Math.round(r.api_small.rps)} req/s (p99 ${r.api_small.p99} ms, ${r.api_small.layerCpuUs?.toFixed(1)} us/req, kernel ${r.api_small.layerSysUs?.toFixed(1)}), /pb ${Math.round(r.pb_health.rps)} req/s, RSS ${(r.rssLoadKb / 1024).toFixed(1)} MB`,
      );
    } catch (err) {
      say(`  ${name}: not measured: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  }
  return out;
}
