/** Container images: a reference that can be pulled, and (warning) a tag that will not move under you. */
import { at } from '../path.ts';
import type { Reporter, Rule } from '../rule.ts';
import type { ServiceView } from '../view.ts';
import { quote } from '../values.ts';

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

export function checkImages(view: ServiceView, r: Reporter): void {
  for (const c of view.containers) {
    const path = at(c.path, 'image');
    const image = c.raw['image'];
    if (image === undefined || image === null || image === '') {
      r.report(IMAGE, path, 'the container has no image');
      continue;
    }
    if (typeof image !== 'string') continue; // a type error, reported by shape
    const ref = parseImage(image);
    if (!ref || (r.target === 'knative' && !ref.lowercase)) {
      r.report(IMAGE, path, `${quote(image)} is not an image reference`);
      continue;
    }
    if (!ref.lowercase)
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
