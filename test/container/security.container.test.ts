/**
 * The image under a hardened runtime: Dockerfile.cloudrun built as the container tier builds it
 * (its own tag, podman's layer cache), then run with every capability dropped,
 * `no-new-privileges` (setuid bits become inert), a read-only root filesystem with only /tmp
 * writable, and the image's own non-root user. The service must come up, serve, store and stop
 * cleanly like that: it needs no root, no capability and no setuid binary. Whether setuid
 * binaries are present at all is pinned separately (a known gap of the base image).
 */
import test from 'ava';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import {
  buildImage,
  containerState,
  ensureBaseImage,
  podman,
  removeContainer,
} from '../../scripts/container/podman.ts';
import { processTree } from '../../scripts/container/proc.ts';
import { freePort, waitFor } from '../helpers/net.ts';

const TAG = 'localhost/elevendops:security-test';
const NAME = `elevendops-security-test-${process.pid}`;
const APP_UID = 10001;
let built = false;

test.serial('the image builds from Dockerfile.cloudrun (its own tag, cached layers)', async (t) => {
  t.timeout(20 * 60_000); // a deadline for a cold, loaded machine, not an expectation
  const base = await ensureBaseImage();
  await buildImage({ tag: TAG, baseImage: base });
  built = true;
  t.pass();
});
test.after.always(async () => {
  await removeContainer(NAME);
});

function http(
  port: number,
  path: string,
  init: { method?: string; body?: string; type?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: init.method ?? 'GET',
        agent: false,
        headers: init.type ? { 'content-type': init.type } : {},
        timeout: 15_000,
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(init.body);
  });
}

test.serial(
  'runs with no capability, no-new-privileges and a read-only root, as its non-root user',
  async (t) => {
    t.timeout(10 * 60_000);
    if (!built) throw new Error('the image did not build');
    const port = await freePort();
    await podman([
      'run',
      '-d',
      '--name',
      NAME,
      '--network',
      'slirp4netns',
      '-p',
      `127.0.0.1:${port}:8080`,
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--read-only',
      '--tmpfs',
      '/tmp:rw,size=64m,mode=1777',
      '-e',
      'PORT=8080',
      '-e',
      'K_SERVICE=elevendops',
      '-e',
      'APP_ENV=development',
      '-e',
      'DATA_BACKEND=embedded',
      '-e',
      'DATA_DIR=/tmp/data',
      TAG,
    ]);
    await waitFor(
      async () => {
        const state = await containerState(NAME);
        if (!state.running) throw new Error(`container exited with ${state.exitCode}`);
        return (await http(port, '/api/health')).status === 200;
      },
      180_000,
      'the hardened container to be healthy',
      250,
    );

    // It serves and stores (the only writable place is /tmp).
    const created = await http(port, '/api/knowledge', {
      method: 'POST',
      type: 'application/json',
      body: JSON.stringify({ title: 'hardened', content: '# Runs without privileges\n' }),
    });
    t.is(created.status, 201, created.body);
    const { id } = JSON.parse(created.body) as { id: string };
    t.is((await http(port, `/api/knowledge/${id}/content`)).body, '# Runs without privileges\n');
    t.is((await http(port, '/')).status, 200);

    // Every process: the image's user, no effective capability, no way to gain privileges.
    const { pid } = await containerState(NAME);
    const processes = processTree(pid);
    t.true(processes.length >= 4, processes.map((p) => p.command).join(' | '));
    for (const p of processes) {
      const status = readFileSync(`/proc/${p.pid}/status`, 'utf8');
      t.is(p.uid, APP_UID, `${p.command} runs as ${p.uid}`);
      t.regex(status, /^NoNewPrivs:\s+1$/m, `${p.command}: no-new-privileges`);
      t.regex(status, /^CapEff:\s+0+$/m, `${p.command}: no effective capability`);
    }
    t.log(processes.map((p) => `${p.uid} ${p.command}`).join('\n'));

    await podman(['stop', '-t', '10', NAME]);
    const stopped = await containerState(NAME);
    t.false(stopped.running);
    t.is(stopped.exitCode, 0, 'SIGTERM stops it cleanly even hardened');
  },
);

/**
 * KNOWN GAP (docs/reliability.md): the runtime base keeps the distribution's setuid/setgid
 * binaries (su, passwd, mount, ...). The service never needs them (the test above runs with
 * no-new-privileges), so Dockerfile.cloudrun could strip the bits:
 * `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +` in the runtime stage.
 */
test.serial.failing('KNOWN GAP - the image carries no setuid or setgid binary', async (t) => {
  t.timeout(5 * 60_000);
  const out = await podman([
    'run',
    '--rm',
    '--network',
    'none',
    '--entrypoint',
    '/bin/sh',
    TAG,
    '-c',
    'find / -xdev -perm /6000 -type f 2>/dev/null; true',
  ]);
  t.log(out);
  t.is(out, '');
});
