/** The cdk8s validation plugin (validator/cdk8s-plugin.cjs) driven by cdk8s-cli's own ValidationContext. */
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { base, C0, set } from './helpers.ts';

const require = createRequire(import.meta.url);
const { CloudRunValidation } = require('../../validator/cdk8s-plugin.cjs') as {
  CloudRunValidation: new (props?: Record<string, string>) => {
    validate(context: unknown): Promise<void>;
  };
};
const { ValidationContext } = require('cdk8s-cli/plugins') as {
  ValidationContext: new (
    manifests: string[],
    pkg: string,
    version: string,
    metadata: object,
    stdout: boolean,
  ) => {
    report: {
      success: boolean;
      toJson(): {
        violations: {
          ruleName: string;
          violatingConstructs: { resourceName: string; locations: string[] }[];
        }[];
      };
    };
  };
};

const dir = mkdtempSync(join(tmpdir(), 'cdk8s-plugin-'));
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'emulator' },
  spec: {},
};

function manifest(name: string, docs: unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, docs.map((d) => stringify(d)).join('---\n'));
  return path;
}

test('a bad Knative Service fails the report with the rule and the field path; other kinds are ignored', async (t) => {
  const path = manifest('bad.k8s.yaml', [
    deployment,
    set(base(), `${C0}.resources.limits`, { cpu: '1', memory: '8Gi' }),
  ]);
  const context = new ValidationContext([path], 'cloudrun-validator', '0.0.0', {}, false);
  await new CloudRunValidation({ target: 'cloudrun' }).validate(context);
  t.false(context.report.success);
  const violations = context.report.toJson().violations;
  t.deepEqual(
    violations.map((v) => v.ruleName),
    ['resources/memory-for-cpu'],
  );
  t.deepEqual(
    violations[0]!.violatingConstructs.map((c) => [c.resourceName, c.locations]),
    [['app', ['spec.template.spec.containers[0].resources.limits.memory']]],
  );
});

test('a valid Service passes; include narrows which manifests are judged', async (t) => {
  const good = manifest('good.k8s.yaml', [base(), deployment]);
  const knativeOnly = manifest('other.k8s.yaml', [
    set(base(), 'spec.template.spec.timeoutSeconds', 3600),
  ]);
  const context = new ValidationContext(
    [good, knativeOnly],
    'cloudrun-validator',
    '0.0.0',
    {},
    false,
  );
  await new CloudRunValidation({ target: 'knative', include: 'good' }).validate(context);
  t.true(context.report.success);
  const all = new ValidationContext([good, knativeOnly], 'cloudrun-validator', '0.0.0', {}, false);
  await new CloudRunValidation({ target: 'knative' }).validate(all);
  t.false(all.report.success, "timeoutSeconds 3600 is above Knative's 600");
});
