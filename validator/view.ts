/**
 * A read-only view of one Service document that every rule family shares: where the template,
 * the containers and the annotations are, which container receives requests. Built once per
 * document; tolerant of any shape (missing or wrongly typed parts read as empty).
 */
import { at } from './path.ts';
import type { Target } from './types.ts';
import { int, isRecord, list, record, str, type Json } from './values.ts';

export interface ContainerView {
  readonly index: number;
  readonly path: string;
  readonly raw: Json;
  /** The name as written, or undefined. */
  readonly name: string | undefined;
  readonly ports: readonly unknown[];
  /** Receives requests: the only container, or the one that declares a port. */
  readonly ingress: boolean;
}

export interface ServiceView {
  readonly target: Target;
  readonly doc: Json;
  readonly metadata: Json | undefined;
  readonly serviceName: string | undefined;
  readonly serviceAnnotations: Json;
  readonly template: Json | undefined;
  readonly templateMetadata: Json | undefined;
  readonly templateAnnotations: Json;
  /** `spec.template.spec` */
  readonly revision: Json | undefined;
  readonly containers: readonly ContainerView[];
  readonly volumes: readonly unknown[];
  /** The ingress container's port: ports[0].containerPort, default 8080. */
  readonly ingressPort: number;
}

export const TEMPLATE = 'spec.template';
export const REVISION = 'spec.template.spec';
export const CONTAINERS = 'spec.template.spec.containers';
export const TEMPLATE_ANNOTATIONS = 'spec.template.metadata.annotations';
export const SERVICE_ANNOTATIONS = 'metadata.annotations';

export function annotationPath(base: string, key: string): string {
  return at(base, key);
}

export function viewOf(doc: Json, target: Target): ServiceView {
  const metadata = record(doc['metadata']);
  const template = record(record(doc['spec'])?.['template']);
  const templateMetadata = record(template?.['metadata']);
  const revision = record(template?.['spec']);
  const rawContainers = list(revision?.['containers']);
  const withPorts = rawContainers.filter((c) => isRecord(c) && list(c['ports']).length > 0).length;
  const containers: ContainerView[] = [];
  rawContainers.forEach((c, index) => {
    if (!isRecord(c)) return;
    const ports = list(c['ports']);
    containers.push({
      index,
      path: `${CONTAINERS}[${index}]`,
      raw: c,
      name: str(c['name']),
      ports,
      ingress: rawContainers.length === 1 || (withPorts > 0 ? ports.length > 0 : index === 0),
    });
  });
  const ingress = containers.find((c) => c.ingress);
  const firstPort = record(ingress?.ports[0]);
  return {
    target,
    doc,
    metadata,
    serviceName: str(metadata?.['name']),
    serviceAnnotations: record(metadata?.['annotations']) ?? {},
    template,
    templateMetadata,
    templateAnnotations: record(templateMetadata?.['annotations']) ?? {},
    revision,
    containers,
    volumes: list(revision?.['volumes']),
    ingressPort: int(firstPort?.['containerPort'], target) ?? 8080,
  };
}

/** A template annotation's string value. */
export function templateAnnotation(view: ServiceView, key: string): string | undefined {
  return str(view.templateAnnotations[key]);
}
