/** Volumes and mounts: supported sources, their required fields, and mounts that match a volume. */
import { at } from '../path.ts';
import type { Reporter, Rule } from '../rule.ts';
import { REVISION, templateAnnotation, type ServiceView } from '../view.ts';
import { int, isRecord, list, quote, record, str } from '../values.ts';
import { SECRET_NAME, secretAliases } from './env.ts';

export const VOLUME_SOURCE: Rule = {
  id: 'volumes/source',
  severity: 'error',
  summary: 'each volume has exactly one supported source with its required fields',
  allowed: {
    cloudrun:
      'one of secret (secretName), emptyDir (medium "" or Memory), nfs (server, path), csi (driver gcsfuse.run.googleapis.com, volumeAttributes.bucketName)',
    knative: 'one of secret, configMap, projected, emptyDir (medium "" or Memory)',
  },
  source: {
    cloudrun:
      'Cloud Run Admin API v1 schema (Volume, SecretVolumeSource, EmptyDirVolumeSource, NFSVolumeSource, CSIVolumeSource)',
    knative: 'Knative pkg/apis/serving/k8s_validation.go validateVolume',
  },
};
export const VOLUME_ITEMS: Rule = {
  id: 'volumes/items',
  severity: 'error',
  summary: 'secret items have a key and a relative path; modes within 0-0777',
  allowed: 'items[].key and items[].path (relative, no ".."); mode/defaultMode 0-0777',
  source: {
    cloudrun: 'Cloud Run Admin API v1 schema (SecretVolumeSource, KeyToPath)',
    knative: 'Knative k8s_validation.go validateKeyToPath',
  },
};
export const VOLUME_GEN2: Rule = {
  id: 'volumes/execution-environment',
  severity: 'error',
  targets: ['cloudrun'],
  summary: 'Cloud Storage (gcsfuse) and NFS volumes need the gen2 execution environment',
  allowed: 'run.googleapis.com/execution-environment unset or gen2',
  source:
    'Cloud Run provider docs for CSI/NFS volumes (changed: older text required gen2 plus launch-stage BETA; the newest says "unset or gen2", which this rule follows)',
};
export const MOUNT: Rule = {
  id: 'volumes/mount',
  severity: 'error',
  summary: 'each volumeMount names a volume and has a valid mountPath',
  allowed: {
    cloudrun:
      'name of a volume in spec.template.spec.volumes; mountPath without ":"; no subPath on secret mounts',
    knative: 'name of a volume; an absolute, unique mountPath other than /, /dev, /dev/log',
  },
  source: {
    cloudrun: 'Cloud Run Admin API v1 schema (VolumeMount)',
    knative: 'Knative k8s_validation.go validateVolumeMounts',
  },
};
export const UNMOUNTED: Rule = {
  id: 'volumes/unmounted',
  severity: { cloudrun: 'warning', knative: 'error' },
  summary: 'every volume is mounted by some container',
  allowed: 'a volumeMount for each volume',
  source: {
    cloudrun: 'an unmounted volume has no effect',
    knative: 'Knative k8s_validation.go ValidateVolumes ("volume with name %q not mounted")',
  },
};

export const VOLUME_RULES = [VOLUME_SOURCE, VOLUME_ITEMS, VOLUME_GEN2, MOUNT, UNMOUNTED];

const CLOUD_RUN_SOURCES = ['secret', 'emptyDir', 'nfs', 'csi', 'configMap'];
const KNATIVE_SOURCES = [
  'secret',
  'configMap',
  'projected',
  'emptyDir',
  'persistentVolumeClaim',
  'hostPath',
  'csi',
  'ephemeral',
  'image',
];

export function checkVolumes(view: ServiceView, r: Reporter): void {
  const volumes = new Map<string, Record<string, unknown>>();
  const gen1 = templateAnnotation(view, 'run.googleapis.com/execution-environment') === 'gen1';
  const aliases = secretAliases(view);
  view.volumes.forEach((v, i) => {
    if (!isRecord(v)) return;
    const path = `${REVISION}.volumes[${i}]`;
    const name = str(v['name']);
    if (name) volumes.set(name, v);
    const sources = (r.target === 'cloudrun' ? CLOUD_RUN_SOURCES : KNATIVE_SOURCES).filter(
      (k) => v[k] !== undefined && v[k] !== null,
    );
    if (sources.length === 0) {
      // A source the target does not know is reported as an unknown field by the shape rules.
      if (!Object.keys(v).some((k) => k !== 'name'))
        r.report(VOLUME_SOURCE, path, `volume ${quote(name ?? i)} has no source`);
      return;
    }
    if (sources.length > 1)
      r.report(
        VOLUME_SOURCE,
        path,
        `volume ${quote(name ?? i)} has several sources (${sources.join(', ')})`,
      );
    const secret = record(v['secret']);
    if (secret) {
      const secretName = str(secret['secretName']);
      if (r.target === 'cloudrun' && !secretName)
        r.report(VOLUME_SOURCE, `${path}.secret.secretName`, 'the secret volume has no secretName');
      else if (
        r.target === 'cloudrun' &&
        secretName &&
        !SECRET_NAME.test(secretName) &&
        !aliases.has(secretName)
      )
        r.report(
          VOLUME_SOURCE,
          `${path}.secret.secretName`,
          `${quote(secretName)} is not a Secret Manager secret name or a declared alias`,
        );
      checkItems(secret, at(path, 'secret'), r);
    }
    const configMap = record(v['configMap']);
    if (configMap && r.target === 'knative') checkItems(configMap, at(path, 'configMap'), r);
    const emptyDir = record(v['emptyDir']);
    if (emptyDir) {
      const medium = str(emptyDir['medium']);
      if (medium !== undefined && medium !== '' && medium !== 'Memory')
        r.report(
          VOLUME_SOURCE,
          `${path}.emptyDir.medium`,
          `medium ${quote(medium)} is not supported`,
        );
    }
    if (r.target === 'cloudrun') {
      const nfs = record(v['nfs']);
      if (nfs) {
        if (!str(nfs['server']))
          r.report(VOLUME_SOURCE, `${path}.nfs.server`, 'the NFS volume has no server');
        if (!str(nfs['path']))
          r.report(VOLUME_SOURCE, `${path}.nfs.path`, 'the NFS volume has no path');
      }
      const csi = record(v['csi']);
      if (csi) {
        if (str(csi['driver']) !== 'gcsfuse.run.googleapis.com')
          r.report(
            VOLUME_SOURCE,
            `${path}.csi.driver`,
            `CSI driver ${quote(csi['driver'] ?? '')} is not gcsfuse.run.googleapis.com`,
          );
        if (!str(record(csi['volumeAttributes'])?.['bucketName']))
          r.report(
            VOLUME_SOURCE,
            `${path}.csi.volumeAttributes`,
            'the Cloud Storage volume has no bucketName',
          );
      }
      if ((nfs || csi) && gen1)
        r.report(
          VOLUME_GEN2,
          path,
          `volume ${quote(name ?? i)} (${nfs ? 'NFS' : 'Cloud Storage'}) with the gen1 execution environment`,
        );
    }
  });

  const mounted = new Set<string>();
  for (const c of view.containers) {
    const paths = new Set<string>();
    list(c.raw['volumeMounts']).forEach((m, i) => {
      if (!isRecord(m)) return;
      const path = at(at(c.path, 'volumeMounts'), i);
      const name = str(m['name']) ?? '';
      mounted.add(name);
      const volume = volumes.get(name);
      if (!volume) r.report(MOUNT, at(path, 'name'), `no volume named ${quote(name)}`);
      const mountPath = str(m['mountPath']);
      if (mountPath === undefined || mountPath === '') {
        r.report(MOUNT, at(path, 'mountPath'), 'the mount has no mountPath');
        return;
      }
      if (r.target === 'cloudrun') {
        if (mountPath.includes(':'))
          r.report(MOUNT, at(path, 'mountPath'), `mountPath ${quote(mountPath)} contains ":"`);
        if (volume && volume['secret'] !== undefined && str(m['subPath']))
          r.report(MOUNT, at(path, 'subPath'), 'subPath is not supported on secret mounts');
      } else {
        const clean = cleanPath(mountPath);
        if (['/', '/dev', '/dev/log'].includes(clean))
          r.report(MOUNT, at(path, 'mountPath'), `mountPath ${quote(clean)} is a reserved path`);
        else if (!mountPath.startsWith('/'))
          r.report(MOUNT, at(path, 'mountPath'), `mountPath ${quote(mountPath)} is not absolute`);
        else if (paths.has(clean))
          r.report(MOUNT, at(path, 'mountPath'), `mountPath ${quote(mountPath)} must be unique`);
        paths.add(clean);
      }
    });
  }
  view.volumes.forEach((v, i) => {
    const name = isRecord(v) ? str(v['name']) : undefined;
    if (name && !mounted.has(name))
      r.report(
        UNMOUNTED,
        `${REVISION}.volumes[${i}].name`,
        `volume ${quote(name)} is not mounted by any container`,
      );
  });
}

function checkItems(source: Record<string, unknown>, path: string, r: Reporter): void {
  const mode = int(source['defaultMode'], r.target);
  if (r.target === 'cloudrun' && mode !== undefined && (mode < 0 || mode > 0o777))
    r.report(
      VOLUME_ITEMS,
      at(path, 'defaultMode'),
      `defaultMode ${mode} is outside 0-0777 (0-511)`,
    );
  list(source['items']).forEach((item, i) => {
    if (!isRecord(item)) return;
    const itemPath = at(at(path, 'items'), i);
    if (!str(item['key'])) r.report(VOLUME_ITEMS, at(itemPath, 'key'), 'the item has no key');
    const p = str(item['path']);
    if (!p) r.report(VOLUME_ITEMS, at(itemPath, 'path'), 'the item has no path');
    else if (r.target === 'cloudrun' && (p.startsWith('/') || p.split('/').includes('..')))
      r.report(
        VOLUME_ITEMS,
        at(itemPath, 'path'),
        `path ${quote(p)} is not a relative path without ".."`,
      );
    const itemMode = int(item['mode'], r.target);
    if (r.target === 'cloudrun' && itemMode !== undefined && (itemMode < 0 || itemMode > 0o777))
      r.report(VOLUME_ITEMS, at(itemPath, 'mode'), `mode ${itemMode} is outside 0-0777 (0-511)`);
  });
}

/** Go's path.Clean, enough for the reserved-path comparison. */
function cleanPath(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(part);
  }
  const joined = out.join('/');
  return abs ? `/${joined}` : joined || '.';
}
