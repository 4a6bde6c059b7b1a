/** The Skaffold command lines the guide and cloudbuild.yaml give, for checks of their effect. */
import { loadCloudBuild, readRepoText } from './repo.ts';
import { markdownCommands } from './shell.ts';

export interface SkaffoldCommand {
  readonly where: string;
  /** Arguments after `skaffold`, e.g. ['run', '-p', 'cloudrun', …]. */
  readonly args: readonly string[];
  /** Environment the command runs with (a Cloud Build step's `env`). */
  readonly env: Readonly<Record<string, string>>;
}

/** Every `skaffold` command in the guide and in cloudbuild.yaml, with where it is. */
export function skaffoldCommands(): SkaffoldCommand[] {
  const out = markdownCommands(readRepoText('deploy/README.md'))
    .filter((c) => c.words[0] === 'skaffold')
    .map((c) => ({ where: `deploy/README.md:${c.line}`, args: c.words.slice(1), env: {} }));
  for (const step of loadCloudBuild().steps) {
    if (step.entrypoint !== 'skaffold') continue;
    const env = Object.fromEntries(
      (step.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
    out.push({ where: `cloudbuild.yaml step ${step.id}`, args: step.args ?? [], env });
  }
  return out;
}
