/** Names: the service, its revision, containers, volumes, traffic tags, labels. */
import { at } from '../path.ts';
import type { Reporter, Rule } from '../rule.ts';
import type { ServiceView } from '../view.ts';
import { isRecord, quote, record, str } from '../values.ts';

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isDns1035(name: string): boolean {
  return name.length <= 63 && DNS1035.test(name);
}
export function isDns1123Label(name: string): boolean {
  return name.length <= 63 && DNS1123_LABEL.test(name);
}
export function isDns1123Subdomain(name: string): boolean {
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
}

export const SERVICE_NAME: Rule = {
  id: 'names/service-name',
  severity: 'error',
  summary: 'metadata.name is a DNS-1035 label of at most 63 characters',
  allowed:
    'lowercase letters, digits and "-", starting with a letter, not ending with "-", at most 63 characters',
  source: {
    cloudrun:
      'Cloud Run Admin API v1 400 "only lowercase, digits, and hyphens; must begin with letter, and may not end with hyphen; must be less than 64 characters" (pulumi/pulumi-gcp#2162)',
    knative: 'knative.dev/pkg apis.ValidateObjectMetadata (NameIsDNS1035Label)',
  },
};
export const SERVICE_NAME_V2_LENGTH: Rule = {
  id: 'names/service-name-length',
  severity: 'warning',
  targets: ['cloudrun'],
  summary: 'service names of 50+ characters are rejected by the v2 API (gcloud deploy, console)',
  allowed: 'at most 49 characters',
  source:
    'Cloud Run Admin API v2 service_id "must be less than 50 characters" (pulumi/pulumi-gcp#3166); revision names <service>-NNNNN-xxx must stay within 63',
};
export const GENERATE_NAME: Rule = {
  id: 'names/generate-name',
  severity: 'error',
  summary: 'metadata.generateName is a DNS-1035 prefix',
  allowed: {
    cloudrun: 'a DNS-1035 prefix of fewer than 31 characters',
    knative: 'a DNS-1035 label prefix',
  },
  source: {
    cloudrun: 'Cloud Run Admin API v1 schema (ObjectMeta.generateName)',
    knative: 'knative.dev/pkg apis.ValidateObjectMetadata',
  },
};
export const NAME_REQUIRED: Rule = {
  id: 'names/name-required',
  severity: 'error',
  summary: 'the Service has a name (or, on Knative, a generateName)',
  allowed: { cloudrun: 'metadata.name set', knative: 'metadata.name or metadata.generateName set' },
  source: {
    cloudrun:
      'Cloud Run Admin API v1 (services are addressed by name; gcloud run services replace needs it)',
    knative: 'knative.dev/pkg apis.ValidateObjectMetadata ("name or generateName is required")',
  },
};
export const REVISION_NAME: Rule = {
  id: 'names/revision-name',
  severity: 'error',
  summary: 'spec.template.metadata.name is a DNS-1035 label (Knative: prefixed with "<service>-")',
  allowed: {
    cloudrun: 'lowercase letters, digits and "-", starting with a letter, fewer than 64 characters',
    knative: 'a DNS-1035 label starting with "<service name>-"',
  },
  source: {
    cloudrun:
      'Cloud Run Admin API v1 400 on service.spec.template.metadata.name (pipe-cd/pipecd#5688)',
    knative: 'Knative pkg/apis/serving/v1/revision_validation.go validateRevisionName',
  },
};
export const CONTAINER_NAME: Rule = {
  id: 'names/container-name',
  severity: 'error',
  summary: 'container names are unique (Knative reserves "queue-proxy")',
  allowed: {
    cloudrun: 'unique names',
    knative: 'unique names other than "queue-proxy"',
  },
  source: {
    cloudrun:
      'Cloud Run Admin API v1 schema (Container.name); hashicorp/terraform-provider-google#21035',
    knative:
      'Knative pkg/apis/serving/k8s_validation.go (reservedContainerNames, "duplicate container name")',
  },
};
export const CONTAINER_NAME_SYNTAX: Rule = {
  id: 'names/container-name-syntax',
  severity: { cloudrun: 'error', knative: 'warning' },
  summary: 'container names are DNS-1123 labels',
  allowed:
    'lowercase letters, digits and "-", starting and ending alphanumeric, at most 63 characters',
  source: {
    cloudrun:
      'Cloud Run Admin API v1 schema (Container.name, DNS_LABEL); hashicorp/terraform-provider-google#21035',
    knative:
      "Kubernetes Pod validation: Knative's webhook accepts the Service, but the revision's Pod is rejected",
  },
};
export const VOLUME_NAME: Rule = {
  id: 'names/volume-name',
  severity: 'error',
  summary: 'volume names are present and unique (Knative: DNS-1123 labels)',
  allowed: {
    cloudrun: 'a unique, non-empty name other than the reserved "cloudsql"',
    knative: 'a unique DNS-1123 label',
  },
  source: {
    cloudrun: 'Cloud Run Admin API v1 schema (Volume.name; "cloudsql" is reserved)',
    knative: 'Knative pkg/apis/serving/k8s_validation.go ValidateVolumes/validateVolume',
  },
};
export const LABELS: Rule = {
  id: 'names/label',
  severity: { cloudrun: 'warning', knative: 'error' },
  summary: 'label keys and values follow the platform label syntax',
  allowed: {
    cloudrun:
      'keys and values of at most 63 lowercase letters, digits, "_" and "-" (system keys such as cloud.googleapis.com/location excepted)',
    knative:
      'keys: optional DNS subdomain prefix + "/" + name of at most 63 [A-Za-z0-9_.-]; values: at most 63 [A-Za-z0-9_.-], starting and ending alphanumeric',
  },
  source: {
    cloudrun:
      'Cloud Run labels are Google Cloud labels (v2 discovery Service.labels; not re-verified, hence a warning)',
    knative:
      'Kubernetes API server label validation (apimachinery IsQualifiedName / IsValidLabelValue)',
  },
};

export const NAME_RULES = [
  SERVICE_NAME,
  SERVICE_NAME_V2_LENGTH,
  GENERATE_NAME,
  NAME_REQUIRED,
  REVISION_NAME,
  CONTAINER_NAME,
  CONTAINER_NAME_SYNTAX,
  VOLUME_NAME,
  LABELS,
];

const K8S_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const GCP_LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const GCP_LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;

function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return false;
  return name.length <= 63 && K8S_NAME.test(name);
}

export function checkNames(view: ServiceView, r: Reporter): void {
  const meta = view.metadata;
  const name = view.serviceName;
  const generateName = str(meta?.['generateName']);
  if (name === undefined || name === '') {
    if (r.target === 'cloudrun' || !generateName)
      r.report(NAME_REQUIRED, 'metadata.name', 'metadata.name is missing');
  } else if (!isDns1035(name)) {
    r.report(SERVICE_NAME, 'metadata.name', `the service name ${quote(name)} is not valid`);
  } else if (name.length >= 50) {
    r.report(
      SERVICE_NAME_V2_LENGTH,
      'metadata.name',
      `the service name has ${name.length} characters`,
    );
  }
  if (generateName) {
    const prefixOk = /^[a-z]([-a-z0-9]*)?$/.test(generateName) && generateName.length <= 63;
    const cloudRunOk = prefixOk && generateName.length < 31;
    if (r.target === 'cloudrun' ? !cloudRunOk : !prefixOk)
      r.report(
        GENERATE_NAME,
        'metadata.generateName',
        `generateName ${quote(generateName)} is not valid`,
      );
  }

  const revisionName = str(view.templateMetadata?.['name']);
  if (revisionName) {
    if (!isDns1035(revisionName))
      r.report(
        REVISION_NAME,
        'spec.template.metadata.name',
        `the revision name ${quote(revisionName)} is not valid`,
      );
    else if (r.target === 'knative' && !name && generateName)
      r.report(
        REVISION_NAME,
        'spec.template.metadata.name',
        'a revision name cannot be set when the Service uses generateName',
      );
    else if (r.target === 'knative' && name && !revisionName.startsWith(`${name}-`))
      r.report(
        REVISION_NAME,
        'spec.template.metadata.name',
        `the revision name ${quote(revisionName)} must have the prefix "${name}-"`,
      );
  }

  const seen = new Set<string>();
  for (const c of view.containers) {
    if (c.name === undefined || c.name === '') continue; // defaulted by both platforms
    const path = at(c.path, 'name');
    if (!isDns1123Label(c.name))
      r.report(
        CONTAINER_NAME_SYNTAX,
        path,
        `the container name ${quote(c.name)} is not a DNS-1123 label`,
      );
    else if (r.target === 'knative' && c.name === 'queue-proxy')
      r.report(CONTAINER_NAME, path, '"queue-proxy" is a reserved container name');
    if (seen.has(c.name))
      r.report(CONTAINER_NAME, path, `duplicate container name ${quote(c.name)}`);
    seen.add(c.name);
  }

  const volumes = new Set<string>();
  view.volumes.forEach((v, i) => {
    if (!isRecord(v)) return;
    const path = `spec.template.spec.volumes[${i}].name`;
    const vname = str(v['name']);
    if (vname === undefined || vname === '')
      return r.report(VOLUME_NAME, path, 'the volume has no name');
    if (r.target === 'knative' && !isDns1123Label(vname))
      r.report(VOLUME_NAME, path, `the volume name ${quote(vname)} is not a DNS-1123 label`);
    if (r.target === 'cloudrun' && vname === 'cloudsql')
      r.report(VOLUME_NAME, path, '"cloudsql" is a reserved volume name');
    if (volumes.has(vname)) r.report(VOLUME_NAME, path, `duplicate volume name ${quote(vname)}`);
    volumes.add(vname);
  });

  for (const [base, labels] of [
    ['metadata.labels', record(meta?.['labels'])],
    ['spec.template.metadata.labels', record(view.templateMetadata?.['labels'])],
  ] as const) {
    if (!labels) continue;
    for (const [key, value] of Object.entries(labels)) {
      const path = at(base, key);
      const text = typeof value === 'string' ? value : undefined;
      if (r.target === 'knative') {
        if (!isQualifiedName(key))
          r.report(LABELS, path, `the label key ${quote(key)} is not a qualified name`);
        if (text !== undefined && text !== '' && !(text.length <= 63 && K8S_NAME.test(text)))
          r.report(LABELS, path, `the label value ${quote(text)} is not a valid label value`);
      } else {
        const system = key.includes('/');
        if (!system && !GCP_LABEL_KEY.test(key))
          r.report(LABELS, path, `the label key ${quote(key)} is not a Google Cloud label key`);
        if (!system && text !== undefined && !GCP_LABEL_VALUE.test(text))
          r.report(
            LABELS,
            path,
            `the label value ${quote(text)} is not a Google Cloud label value`,
          );
      }
    }
  }
}
