// The classic stack as the AppOS image ran it: supervisord (startsecs=1, priorities) running
// redis-server, PocketBase, the fixture backend and nginx (static SPA with fallback, /api,
// /pb with the prefix stripped, /terminal upgrade, gzip, keep-alive to upstreams, 100M bodies).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PATHS, Stack } from './stack.mjs';

/** Binaries the classic stack needs, by Debian package. */
export const CLASSIC_BINARIES = {
  supervisord: 'supervisor',
  supervisorctl: 'supervisor',
  nginx: 'nginx',
};

const program = (name, command, priority, extra = '') => `
[program:${name}]
command=${command}
priority=${priority}
autostart=true
autorestart=true
startsecs=1
startretries=3
stopwaitsecs=10
stdout_logfile=%(here)s/logs/${name}.log
stderr_logfile=%(here)s/logs/${name}-error.log
stdout_logfile_maxbytes=10MB
stderr_logfile_maxbytes=10MB
stdout_logfile_backups=3
stderr_logfile_backups=3
${extra}`;

const PROXY_HEADERS = `
      proxy_set_header Host $host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_http_version 1.1;`;

/** supervisord + nginx, configured like the AppOS image's build/supervisord.conf and nginx.conf. */
export class ClassicStack extends Stack {
  get conf() {
    return join(this.dir, 'supervisord.conf');
  }

  command() {
    return ['supervisord', ['-n', '-c', this.conf]];
  }

  writeConfig() {
    const { dataDir, ports } = this.settings;
    const d = this.dir;
    const head = `[supervisord]
nodaemon=true
logfile=${d}/supervisord.log
logfile_maxbytes=10MB
logfile_backups=3
loglevel=info
pidfile=${d}/supervisord.pid
childlogdir=${d}/logs
minfds=1024

[unix_http_server]
file=${d}/supervisor.sock
chmod=0700

[supervisorctl]
serverurl=unix://${d}/supervisor.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
`;
    let programs;
    if (this.programs === 'orphans') {
      programs = program('orphans', `sh ${PATHS.orphans} 200 0.2`, 10);
    } else {
      const nginxDir = join(d, 'nginx');
      mkdirSync(nginxDir, { recursive: true });
      writeFileSync(join(nginxDir, 'nginx.conf'), this.nginxConf(nginxDir));
      programs = [
        program(
          'redis',
          `redis-server --port ${ports.redis} --bind 127.0.0.1 --dir ${dataDir}/redis --appendonly yes --save ""`,
          10,
        ),
        program(
          'pocketbase',
          `${PATHS.pocketbase} serve --http 127.0.0.1:${ports.pocketbase} --dir ${dataDir}/pocketbase`,
          20,
        ),
        program(
          'backend',
          `${PATHS.node} ${PATHS.backend}`,
          30,
          `environment=PORT="${ports.backend}",REDIS_ADDR="127.0.0.1:${ports.redis}",POCKETBASE_URL="http://127.0.0.1:${ports.pocketbase}"\n`,
        ),
        program(
          'nginx',
          `/usr/sbin/nginx -p ${nginxDir}/ -c ${nginxDir}/nginx.conf -e ${nginxDir}/error.log -g "daemon off;"`,
          40,
          'stopsignal=QUIT\n',
        ),
      ].join('');
    }
    writeFileSync(this.conf, head + programs);
  }

  /** @param {string} n the nginx prefix dir */
  nginxConf(n) {
    const { webDir, ports } = this.settings;
    return `worker_processes auto;
pid ${n}/nginx.pid;
error_log ${n}/error.log warn;

events {
  worker_connections 1024;
}

http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                  '$status $body_bytes_sent "$http_referer" '
                  '"$http_user_agent" rt=$request_time';
  access_log ${n}/access.log main;
  client_body_temp_path ${n}/client_body;
  proxy_temp_path ${n}/proxy;
  fastcgi_temp_path ${n}/fastcgi;
  uwsgi_temp_path ${n}/uwsgi;
  scgi_temp_path ${n}/scgi;

  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  client_max_body_size 100M;

  gzip on;
  gzip_vary on;
  gzip_comp_level 5;
  gzip_min_length 256;
  gzip_types application/javascript application/json application/xml text/css text/plain image/svg+xml;

  server_tokens off;

  # "" (not "close") without an Upgrade header, so that plain requests keep upstream keep-alive.
  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' '';
  }

  upstream backend {
    server 127.0.0.1:${ports.backend};
    keepalive 16;
  }
  upstream pocketbase {
    server 127.0.0.1:${ports.pocketbase};
    keepalive 16;
  }

  server {
    listen 127.0.0.1:${ports.http} default_server;
    server_name _;
    add_header X-Frame-Options "SAMEORIGIN" always;
    add_header X-Content-Type-Options "nosniff" always;

    location /terminal {
      proxy_pass http://backend;${PROXY_HEADERS}
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_connect_timeout 300s;
      proxy_send_timeout 300s;
      proxy_read_timeout 300s;
      proxy_buffering off;
    }

    location /api/ {
      proxy_pass http://backend;${PROXY_HEADERS}
      proxy_set_header Connection "";
      proxy_connect_timeout 60s;
      proxy_send_timeout 300s;
      proxy_read_timeout 300s;
    }

    location /pb/ {
      proxy_pass http://pocketbase/;${PROXY_HEADERS}
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_connect_timeout 300s;
      proxy_read_timeout 300s;
      proxy_send_timeout 300s;
    }

    location /assets/ {
      root ${webDir};
      try_files $uri =404;
      expires 1y;
      add_header Cache-Control "public, max-age=31536000, immutable" always;
    }

    location / {
      root ${webDir};
      index index.html;
      try_files $uri /index.html;
      expires -1;
      add_header Cache-Control "no-cache" always;
    }
  }
}
`;
  }

  /** supervisord, nginx's master and its workers: the supervision + proxy layer. */
  layerPids() {
    const root = this.supervisorPid();
    return this.tree()
      .filter((s) => s.pid === root || s.comm === 'nginx')
      .map((s) => s.pid);
  }

  /** supervisord's log lines about processes: epoch ms and text, oldest first. */
  events() {
    let log;
    try {
      log = readFileSync(join(this.dir, 'supervisord.log'), 'utf8');
    } catch {
      return [];
    }
    const out = [];
    const re =
      /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3}) \w+ ((?:spawned|success|exited|stopped|waiting)\b.*)$/gm;
    for (const m of log.matchAll(re)) {
      out.push({ time: new Date(`${m[1]}T${m[2]}.${m[3]}`).getTime(), text: m[4] });
    }
    return out;
  }

  /** Epoch ms of supervisord's first "spawned:" log line, or null. */
  firstSpawnAt() {
    return this.events().find((e) => e.text.startsWith('spawned:'))?.time ?? null;
  }

  /** What happened when, in ms since the launch (for the JSON results). */
  timeline() {
    return this.events().map((e) => ({ ms: e.time - this.launchAt, event: e.text }));
  }

  /** Whether a program's output contains `text` (its supervisord log file). */
  outputContains(name, text) {
    try {
      return readFileSync(join(this.dir, 'logs', `${name}.log`), 'utf8').includes(text);
    } catch {
      return false;
    }
  }

  /** @returns {[string, string[]]} */
  statusCommand() {
    return ['supervisorctl', ['-c', this.conf, 'status']];
  }
}
