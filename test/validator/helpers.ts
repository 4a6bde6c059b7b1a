/** Manifests for validator tests: a minimal valid Service, and a setter for our dotted paths. */
import type { Finding, Target } from '../../validator/index.ts';
import { validateManifest } from '../../validator/index.ts';

export type Doc = Record<string, unknown>;

/** A minimal Service both targets accept without any error. */
export function base(): Doc {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name: 'app' },
    spec: {
      template: {
        metadata: { annotations: { 'autoscaling.knative.dev/maxScale': '10' } },
        spec: {
          containers: [
            { name: 'app', image: 'gcr.io/proj/app:1.0.0', ports: [{ containerPort: 8080 }] },
          ],
        },
      },
    },
  };
}

/** Splits `a.b[0][run.googleapis.com/x].c` into steps. */
export function steps(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[([^\]]*)\]/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1]);
    else out.push(/^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!);
  }
  return out;
}

/** Sets (or, with undefined, deletes) the value at `path`, creating parents as needed. */
export function set(doc: Doc, path: string, value: unknown): Doc {
  const s = steps(path);
  let node: Record<string | number, unknown> = doc;
  s.slice(0, -1).forEach((step, i) => {
    if (typeof node[step] !== 'object' || node[step] === null)
      node[step] = typeof s[i + 1] === 'number' ? [] : {};
    node = node[step] as Record<string | number, unknown>;
  });
  const last = s[s.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
    else delete node[last];
  } else node[last] = value;
  return doc;
}

export const C0 = 'spec.template.spec.containers[0]';
export const ANN = 'spec.template.metadata.annotations';
export const SANN = 'metadata.annotations';

export function check(doc: unknown, target: Target): Finding[] {
  return validateManifest(doc, { target });
}

export function errors(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'error');
}

/** A sidecar next to the ingress container. */
export function withSidecar(doc: Doc, sidecar: Doc = {}): Doc {
  const containers = (((doc['spec'] as Doc)['template'] as Doc)['spec'] as Doc)[
    'containers'
  ] as Doc[];
  containers.push({ name: 'sidecar', image: 'gcr.io/proj/sidecar:2.0.0', ...sidecar });
  return doc;
}
