/**
 * Emulators a chaos test can stop and restart at will, on a port fixed for the test (so a restart
 * comes back at the same address the service was configured with). Google's Firestore emulator
 * keeps its data in memory, so a restart loses it (tests account for that); fake-gcs-server is
 * run on its filesystem backend here, so objects survive its restart as they survive a Cloud
 * Storage outage.
 */
import { spawn } from 'node:child_process';
import { fakeGcsBinary, stopGroup, type RunningEmulator } from '../helpers/emulators.ts';
import { waitFor } from '../helpers/net.ts';

/** fake-gcs-server with its objects under `root`, on 127.0.0.1:`port`. */
export async function startPersistentFakeGcs(port: number, root: string): Promise<RunningEmulator> {
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    fakeGcsBinary(),
    [
      '-scheme',
      'http',
      '-host',
      '127.0.0.1',
      '-port',
      String(port),
      '-backend',
      'filesystem',
      '-filesystem-root',
      root,
      '-public-host',
      `127.0.0.1:${port}`,
      '-external-url',
      base,
      '-log-level',
      'error',
    ],
    { detached: true, stdio: 'ignore' },
  );
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`fake-gcs-server exited with ${child.exitCode}`);
      const res = await fetch(`${base}/storage/v1/b`);
      await res.arrayBuffer();
      return res.ok;
    },
    30_000,
    `fake-gcs-server on ${base}`,
  );
  return { host: base, pid: child.pid, stop: () => stopGroup(child) };
}
