/**
 * The parts of Skaffold's profile semantics the delivery checks depend on
 * (pkg/skaffold/schema/profiles.go): auto-activated profiles come first, then the named ones
 * (`-name` removes one); deployers are *added* by profiles, never replaced; a profile's
 * `patches` (JSON patch) apply to the merged config.
 */
import type { SkaffoldConfig, SkaffoldProfile } from './repo.ts';

export const DEPLOYER_KINDS = ['kubectl', 'cloudrun', 'docker', 'helm', 'kpt'] as const;

export function deployersOf(part: { deploy?: Record<string, any> | undefined }): string[] {
  return DEPLOYER_KINDS.filter((k) => part.deploy?.[k] !== undefined);
}

/** Whether an `env: KEY=pattern` activation matches `env` (exact value or regex found in it; `!` negates). */
export function envActivationMatches(
  spec: string,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  const eq = spec.indexOf('=');
  if (eq === -1)
    throw new Error(`invalid env activation ${JSON.stringify(spec)}: want KEY=pattern`);
  const key = spec.slice(0, eq);
  let pattern = spec.slice(eq + 1);
  const negate = pattern.startsWith('!');
  if (negate) pattern = pattern.slice(1);
  const value = env[key] ?? '';
  const matches =
    pattern === '' ? value === '' : value === pattern || new RegExp(pattern).test(value);
  return negate ? !matches : matches;
}

/** The profiles Skaffold applies, in order, for `command` with `-p named` under `env`. */
export function activeProfiles(
  config: SkaffoldConfig,
  command: string,
  named: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): SkaffoldProfile[] {
  const profiles = config.profiles ?? [];
  const byName = new Map(profiles.map((p) => [p.name, p]));
  const active: string[] = [];
  for (const p of profiles) {
    const on = (p.activation ?? []).some(
      (a) =>
        (a.command === undefined || new RegExp(`^(?:${a.command})$`).test(command)) &&
        (a.env === undefined || envActivationMatches(a.env, env)) &&
        a.kubeContext === undefined,
    );
    if (on) active.push(p.name);
  }
  for (const n of named) {
    if (n.startsWith('-')) {
      const at = active.indexOf(n.slice(1));
      if (at !== -1) active.splice(at, 1);
    } else if (!active.includes(n)) active.push(n);
  }
  return active.map((n) => {
    const p = byName.get(n);
    if (!p) throw new Error(`couldn't find profile ${n}`);
    return p;
  });
}

/** Deployer kinds in effect: the base config's plus every active profile's. */
export function effectiveDeployers(
  config: SkaffoldConfig,
  profiles: readonly SkaffoldProfile[],
): string[] {
  return [...new Set([...deployersOf(config), ...profiles.flatMap(deployersOf)])];
}

/**
 * The builder in effect: `build.local` / `googleCloudBuild` / `cluster` are one-of, so the last
 * active profile that sets one replaces the base's (and earlier profiles').
 */
export function effectiveBuilder(
  config: SkaffoldConfig,
  profiles: readonly SkaffoldProfile[],
): string {
  const builderOf = (build: Record<string, any> | undefined) =>
    (['local', 'googleCloudBuild', 'cluster'] as const).find((k) => build?.[k] !== undefined);
  let builder = builderOf(config.build) ?? 'local';
  for (const p of profiles) builder = builderOf(p.build) ?? builder;
  return builder;
}

/** Applies a JSON-patch `remove` (the only op the config uses) to a deep copy of `doc`. */
export function removePath(doc: unknown, pointer: string): unknown {
  const copy = structuredClone(doc) as Record<string, any>;
  const keys = pointer
    .split('/')
    .slice(1)
    .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
  let node: any = copy;
  for (const key of keys.slice(0, -1)) {
    node = node?.[key];
    if (node === undefined) throw new Error(`invalid path: ${pointer}`);
  }
  const last = keys.at(-1)!;
  if (node === null || typeof node !== 'object' || !(last in node))
    throw new Error(`invalid path: ${pointer}`);
  if (Array.isArray(node)) node.splice(Number(last), 1);
  else delete node[last];
  return copy;
}

/** The profile names a skaffold command line activates with -p / --profile (comma lists allowed). */
export function profilesOfCommand(args: readonly string[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let value: string | undefined;
    if (a === '-p' || a === '--profile') value = args[++i];
    else if (a.startsWith('--profile=')) value = a.slice('--profile='.length);
    else if (/^-p[^-]/.test(a)) value = a.slice(2);
    if (value !== undefined) names.push(...value.split(',').filter(Boolean));
  }
  return names;
}

/** Go's filepath.Match, which Skaffold uses for rawYaml: `*` and `?` never cross a `/`. */
export function globToRegExp(glob: string): RegExp {
  const body = [...glob]
    .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}
