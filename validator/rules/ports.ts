/** Ports: one ingress port per revision, its name, protocol and number. */
import { at } from '../path.ts';
import type { Reporter, Rule } from '../rule.ts';
import { CONTAINERS, type ServiceView } from '../view.ts';
import { int, isRecord, str } from '../values.ts';

export const INGRESS_CONTAINER: Rule = {
  id: 'ports/ingress-container',
  severity: 'error',
  summary: 'with several containers, exactly one declares a port (the ingress container)',
  allowed: {
    cloudrun: 'exactly one container with ports when there are sidecars',
    knative: 'exactly one port across all containers when there are several containers',
  },
  source: {
    cloudrun:
      '"Revision template should contain exactly one container with an exposed port" (GoogleCloudPlatform/terraform-google-cloud-run#302)',
    knative: 'Knative pkg/apis/serving/k8s_validation.go validateContainersPorts',
  },
};
export const PORT_COUNT: Rule = {
  id: 'ports/count',
  severity: 'error',
  summary: 'a container declares at most one port',
  allowed: '0 or 1 entries in ports',
  source: {
    cloudrun:
      '"ports should contain 0 or 1 port" (GoogleCloudPlatform/magic-modules#10173); v1 schema Container.ports',
    knative:
      'Knative k8s_validation.go ("more than one container port is set", "Only a single port is allowed across all containers")',
  },
};
export const PORT_NAME: Rule = {
  id: 'ports/name',
  severity: 'error',
  summary: 'the port name selects the protocol: http1 or h2c',
  allowed: { cloudrun: 'http1, h2c (or unset)', knative: 'empty, http1, h2c' },
  source: {
    cloudrun: 'Cloud Run Admin API v1 schema (ContainerPort.name)',
    knative: 'Knative k8s_validation.go validateContainerPorts ("Port name X is not allowed")',
  },
};
export const PORT_PROTOCOL: Rule = {
  id: 'ports/protocol',
  severity: 'error',
  summary: 'protocol is TCP',
  allowed: 'TCP (or unset)',
  source: {
    cloudrun: 'Cloud Run Admin API v1 schema (ContainerPort.protocol)',
    knative: 'Knative k8s_validation.go validateContainerPorts',
  },
};
export const PORT_NUMBER: Rule = {
  id: 'ports/number',
  severity: 'error',
  summary: 'containerPort is a valid port (Knative: not one of its reserved ports)',
  allowed: {
    cloudrun: '1-65535 (default 8080)',
    knative:
      '0-65535, except 8012, 8013, 8022, 9090, 9091, 8008 (reserved by queue-proxy and profiling)',
  },
  source: {
    cloudrun: 'Cloud Run Admin API v1/v2 schema (ContainerPort.containerPort)',
    knative:
      'Knative k8s_validation.go validateContainerPortBasic ("8012 is a reserved port, please use a different value")',
  },
};

export const PORT_RULES = [INGRESS_CONTAINER, PORT_COUNT, PORT_NAME, PORT_PROTOCOL, PORT_NUMBER];

const KNATIVE_RESERVED = new Set([8012, 8013, 8022, 9090, 9091, 8008]);

export function checkPorts(view: ServiceView, r: Reporter): void {
  const containers = view.containers;
  const withPorts = containers.filter((c) => c.ports.length > 0);
  const totalPorts = withPorts.reduce((n, c) => n + c.ports.length, 0);
  if (containers.length > 1) {
    if (withPorts.length === 0)
      r.report(
        INGRESS_CONTAINER,
        CONTAINERS,
        `none of the ${containers.length} containers declares a port`,
      );
    else if (r.target === 'cloudrun' ? withPorts.length > 1 : totalPorts > 1)
      r.report(
        INGRESS_CONTAINER,
        at((withPorts[1] ?? withPorts[0]!).path, 'ports'),
        `${withPorts.length} containers declare ports (${withPorts.map((c) => c.name ?? `#${c.index}`).join(', ')})`,
      );
  }
  for (const c of containers) {
    if (c.ports.length > 1 && (r.target === 'cloudrun' || containers.length === 1))
      r.report(PORT_COUNT, at(at(c.path, 'ports'), 1), `${c.ports.length} ports declared`);
    // Knative only looks at the first port of a container; Cloud Run rejects the extra ones above.
    c.ports.forEach((p, i) => {
      if (!isRecord(p) || (r.target === 'knative' && i > 0)) return;
      const path = at(at(c.path, 'ports'), i);
      const name = str(p['name']);
      if (
        name !== undefined &&
        !(name === 'http1' || name === 'h2c' || (r.target === 'knative' && name === ''))
      )
        r.report(PORT_NAME, at(path, 'name'), `port name ${JSON.stringify(name)} is not allowed`);
      const protocol = str(p['protocol']);
      if (
        protocol !== undefined &&
        protocol !== 'TCP' &&
        !(r.target === 'knative' && protocol === '')
      )
        r.report(
          PORT_PROTOCOL,
          at(path, 'protocol'),
          `protocol ${JSON.stringify(protocol)} is not supported`,
        );
      const number = int(p['containerPort'], r.target);
      if (number === undefined) return;
      if (r.target === 'cloudrun' && (number < 1 || number > 65535))
        r.report(PORT_NUMBER, at(path, 'containerPort'), `containerPort ${number} is out of range`);
      if (r.target === 'knative') {
        if (number < 0 || number > 65535)
          r.report(
            PORT_NUMBER,
            at(path, 'containerPort'),
            `containerPort ${number} is out of range`,
          );
        else if (KNATIVE_RESERVED.has(number))
          r.report(
            PORT_NUMBER,
            at(path, 'containerPort'),
            `${number} is a reserved port, please use a different value`,
          );
      }
    });
  }
}
