/** Container image size and app-layer size (dist + production node_modules), when podman is present. */
import { spawnSync } from 'node:child_process';

export interface ImageSizes {
  readonly imageMb: number;
  readonly appLayerMb: number;
  readonly detail: Record<string, unknown>;
}

export async function imageSizes(log: (message: string) => void): Promise<ImageSizes> {
  if (spawnSync('sh', ['-c', 'command -v podman'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('podman not installed (apt-get install -y podman buildah runc debootstrap)');
  }
  log('image: waiting for the container tier helpers');
  throw new Error('the container image build helpers (test/container/) have not landed');
}
