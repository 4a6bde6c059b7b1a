/** Container images: a reference that can be pulled, and (warning) a tag that will not move under you. */
import { at } from '../path.ts';
import type { Reporter, Rule } from '../rule.ts';
import { CONTAINERS, type ServiceView } from '../view.ts';
import { list, quote } from '../values.ts';

export const IMAGE: Rule = {
  id: 'image/reference',
  severity: 'error',
  summary: 'every container has an image that parses as an image reference',
  allowed: '[registry/]repository[:tag][@sha256:digest]; the repository path in lowercase',
  source: {
    cloudrun: 'Cloud Run Admin API v1 schema (Container.image, required; pulled at deploy)',
    knative:
      'Knative pkg/apis/serving/k8s_validation.go validate ("Failed to parse image reference", go-containerregistry name.ParseReference)',
  },
};
export const IMAGE_CASE: Rule = {
  id: 'image/lowercase',
  severity: 'warning',
  targets: ['cloudrun'],
  summary: 'the repository path is lowercase (registries reject uppercase repository names)',
  allowed: 'a lowercase repository path',
  source:
    'OCI distribution spec repository name grammar; an uppercase path is usually an unsubstituted placeholder such as PROJECT_ID',
};
export const MUTABLE_TAG: Rule = {
  id: 'image/mutable-tag',
  severity: 'warning',
  summary: 'images are pinned by a version tag or digest, not latest',
  allowed: 'a version tag or an @sha256 digest',
  source:
    'Cloud Run resolves a tag to a digest at deploy: with latest, what runs depends on when you deployed (Cloud Run container contract, image digests)',
};

export const IMAGE_RULES = [IMAGE, IMAGE_CASE, MUTABLE_TAG];

// The docker/distribution reference grammar (which go-containerregistry follows), written out.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const reference = (component: string) =>
  new RegExp(`^(?:${DOMAIN}/)?${component}(?:/${component})*(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const STRICT = reference(COMPONENT);
const ANY_CASE = reference(COMPONENT.replaceAll('a-z0-9', 'a-zA-Z0-9'));

export interface ImageRef {
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  readonly lowercase: boolean;
}

/** Parses an image reference; undefined when it is not one, even ignoring case. */
export function parseImage(image: string): ImageRef | undefined {
  if (image.length > 4096) return undefined;
  const strict = STRICT.exec(image);
  const match = strict ?? ANY_CASE.exec(image);
  if (!match) return undefined;
  return { tag: match[1], digest: match[2], lowercase: strict !== null };
}

// Knative parses images with go-containerregistry's name.ParseReference(s, name.WeakValidation),
// which checks character sets and lengths rather than the docker grammar; written out below so
// the knative target accepts exactly what Knative accepts (e.g. "ab" yes, "x" no).
const GCR_REPOSITORY = /^[a-z0-9_./-]+$/;
const GCR_TAG = /^[A-Za-z0-9_.-]+$/;
const HOST_OK = /^[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"\u0080-\uffff]*$/;

function gcrRegistryOk(name: string): boolean {
  // url.Parse("//" + name).Host must equal name: no userinfo, path, query, fragment or escapes,
  // and whatever follows the last ":" must be a (possibly empty) port number.
  if (!HOST_OK.test(name)) return false;
  const colon = name.lastIndexOf(':');
  return colon < 0 || /^:\d*$/.test(name.slice(colon));
}

/** go-containerregistry NewRepository: the full name, or undefined. */
function gcrRepository(name: string): string | undefined {
  if (name === '') return undefined;
  let registry = '';
  let repo = name;
  const slash = name.indexOf('/');
  if (slash >= 0) {
    const first = name.slice(0, slash);
    if (first.includes('.') || first.includes(':')) {
      registry = first;
      repo = name.slice(slash + 1);
    }
  }
  const runes = [...repo].length;
  if (runes < 2 || runes > 255 || !GCR_REPOSITORY.test(repo)) return undefined;
  if (!gcrRegistryOk(registry)) return undefined;
  return `${registry === '' || registry === 'docker.io' ? 'index.docker.io' : registry}/${repo}`;
}

/** go-containerregistry NewTag. */
function gcrTag(name: string): string | undefined {
  const parts = name.split(':');
  let base = name;
  let tag = '';
  if (parts.length > 1 && !parts[parts.length - 1]!.includes('/')) {
    base = parts.slice(0, -1).join(':');
    tag = parts[parts.length - 1]!;
  }
  if (tag !== '' && !([...tag].length <= 128 && GCR_TAG.test(tag))) return undefined;
  return gcrRepository(base);
}

/** go-containerregistry name.ParseReference with WeakValidation: true when Knative accepts it. */
export function knativeParsesImage(image: string): boolean {
  if (gcrTag(image) !== undefined) return true;
  const parts = image.split('@');
  if (parts.length !== 2) return false;
  const [base, digest] = parts as [string, string];
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) return false;
  return gcrRepository(gcrTag(base) ?? base) !== undefined;
}

export function checkImages(view: ServiceView, r: Reporter): void {
  // A null entry in the containers list decodes as an empty container: it has no image.
  list(view.revision?.['containers']).forEach((c, i) => {
    if (c === null) r.report(IMAGE, `${CONTAINERS}[${i}].image`, 'the container entry is empty');
  });
  for (const c of view.containers) {
    const path = at(c.path, 'image');
    const image = c.raw['image'];
    if (image === undefined || image === null || image === '') {
      r.report(IMAGE, path, 'the container has no image');
      continue;
    }
    if (typeof image !== 'string') continue; // a type error, reported by shape
    if (r.target === 'knative' && !knativeParsesImage(image)) {
      r.report(IMAGE, path, `${quote(image)} is not an image reference Knative can parse`);
      continue;
    }
    const ref = parseImage(image);
    if (!ref) {
      if (r.target === 'cloudrun')
        r.report(IMAGE, path, `${quote(image)} is not an image reference`);
      continue;
    }
    if (!ref.lowercase && r.target === 'cloudrun')
      r.report(IMAGE_CASE, path, `${quote(image)} has uppercase letters in its repository path`);
    if (
      ref.digest === undefined &&
      (ref.tag === 'latest' || (ref.tag === undefined && image.includes('/')))
    )
      r.report(
        MUTABLE_TAG,
        path,
        ref.tag === 'latest'
          ? `${quote(image)} uses the mutable tag latest`
          : `${quote(image)} has no tag or digest, so it means latest`,
      );
  }
}
