/**
 * Where the delivery files and the shared reference material live, and how the tests read them.
 * `../shared` (schemas, reference notes) exists on the team's machines only: callers skip with a
 * message when `sharedFile` returns undefined.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedDir = resolve(repoRoot, '..', 'shared');

export function repoFile(relative: string): string {
  return join(repoRoot, relative);
}

export function readRepoText(relative: string): string {
  return readFileSync(repoFile(relative), 'utf8');
}

/** Absolute path of a file under ../shared, or undefined when it is not there. */
export function sharedFile(relative: string): string | undefined {
  const path = join(sharedDir, relative);
  return existsSync(path) ? path : undefined;
}

export function readYamlFile(path: string): unknown {
  return parse(readFileSync(path, 'utf8'));
}

/** Every document of a multi-document YAML file, nulls (empty documents) dropped. */
export function readYamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`${path}: ${d.errors[0]!.message}`);
      return d.toJS() as unknown;
    })
    .filter((d) => d !== null && d !== undefined);
}

/** The parts of a Skaffold config the tests look at (the schema checks the rest). */
export interface SkaffoldConfig {
  apiVersion: string;
  kind: string;
  build?: Record<string, any>;
  manifests?: Record<string, any>;
  deploy?: Record<string, any>;
  portForward?: Record<string, any>[];
  profiles?: SkaffoldProfile[];
}

export interface SkaffoldProfile {
  name: string;
  activation?: { env?: string; command?: string; kubeContext?: string }[];
  build?: Record<string, any>;
  manifests?: Record<string, any>;
  deploy?: Record<string, any>;
  portForward?: Record<string, any>[];
  patches?: { op?: string; path: string; value?: unknown }[];
}

export function loadSkaffold(): SkaffoldConfig {
  return readYamlFile(repoFile('skaffold.yaml')) as SkaffoldConfig;
}

export interface CloudBuildStep {
  id?: string;
  name: string;
  entrypoint?: string;
  args?: string[];
  env?: string[];
  waitFor?: string[];
}

export interface CloudBuildConfig {
  steps: CloudBuildStep[];
  substitutions?: Record<string, string>;
  options?: Record<string, any>;
  timeout?: string;
  images?: string[];
  serviceAccount?: string;
}

export function loadCloudBuild(): CloudBuildConfig {
  return readYamlFile(repoFile('cloudbuild.yaml')) as CloudBuildConfig;
}
