/**
 * Container image size and app-layer size (dist + production node_modules + package.json), when
 * podman is present: builds Dockerfile.cloudrun with the container tier's helpers
 * (scripts/container/podman.ts, layer cache on) and reads the sizes from podman.
 * Sizes are in MB of 10^6 bytes, as podman prints them.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../lib/service.ts';
import { round } from '../lib/stats.ts';

export interface ImageSizes {
  readonly imageMb: number;
  readonly appLayerMb: number;
  readonly detail: Record<string, unknown>;
}

interface PodmanHelpers {
  hasPodman(): boolean;
  ensureBaseImage(onLine?: (line: string) => void): Promise<string>;
  buildImage(options: { tag: string; baseImage?: string }): Promise<void>;
  imageSizes(image: string): Promise<{ image: number; appLayer: number }>;
  PODMAN_INSTALL?: string;
}

const TAG = 'localhost/elevendops-bench:latest';

export async function imageSizes(log: (message: string) => void): Promise<ImageSizes> {
  const helpers = path.join(repoRoot, 'scripts/container/podman.ts');
  if (!existsSync(helpers))
    throw new Error('the container helpers (scripts/container/podman.ts) have not landed');
  const podman = (await import(helpers)) as PodmanHelpers;
  if (!podman.hasPodman())
    throw new Error(
      `podman not installed (${podman.PODMAN_INSTALL ?? 'apt-get install -y podman'})`,
    );
  log('image: base image (cached after the first build)');
  const baseImage = await podman.ensureBaseImage();
  log(`image: podman build -f Dockerfile.cloudrun -t ${TAG} (layer cache on)`);
  const t0 = process.hrtime.bigint();
  await podman.buildImage({ tag: TAG, baseImage });
  const buildS = Number(process.hrtime.bigint() - t0) / 1e9;
  const sizes = await podman.imageSizes(TAG);
  if (!Number.isFinite(sizes.appLayer))
    throw new Error('no app layer (COPY … /app) found in podman history');
  const base = await podman.imageSizes(baseImage).catch(() => undefined);
  return {
    imageMb: sizes.image / 1e6,
    appLayerMb: sizes.appLayer / 1e6,
    detail: {
      tag: TAG,
      base_image: baseImage,
      base_image_mb: base ? round(base.image / 1e6) : null,
      build_seconds_with_cache: round(buildS),
    },
  };
}
