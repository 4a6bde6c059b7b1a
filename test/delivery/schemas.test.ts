/**
 * skaffold.yaml and cloudbuild.yaml against the published JSON schemas (Skaffold's own v4beta14
 * schema, SchemaStore's Cloud Build schema), read from ../shared. Where ../shared is absent the
 * tests skip with a message; the semantic checks in skaffold.test.ts / cloudbuild.test.ts still run.
 */
import test from 'ava';
import { Ajv, type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { loadCloudBuild, loadSkaffold, sharedFile } from './repo.ts';

function validator(schemaPath: string): ValidateFunction {
  // strict: false — both schemas use non-standard keywords (markdownDescription, preferredOrder…).
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  });
  ajv.addFormat('int64', { type: 'number', validate: (n) => Number.isInteger(n) });
  return ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
}

function problems(validate: ValidateFunction, doc: unknown): string[] {
  return validate(doc)
    ? []
    : (validate.errors ?? []).map(
        (e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`,
      );
}

const schemas = [
  {
    file: 'skaffold.yaml',
    schema: 'schemas/skaffold/v4beta14.json',
    load: loadSkaffold,
    // The Cloud Run deployer's key is `projectid`; blog posts show `projectID`, which Skaffold rejects.
    broken: (doc: any) => ({
      ...doc,
      profiles: [{ name: 'x', deploy: { cloudrun: { projectID: 'p' } } }],
    }),
  },
  {
    file: 'cloudbuild.yaml',
    schema: 'schemas/cloudbuild/cloudbuild.json',
    load: loadCloudBuild,
    broken: (doc: any) => ({ ...doc, options: { ...doc.options, logging: 'CLOUD_LOGGING' } }),
  },
] as const;

for (const s of schemas) {
  const path = sharedFile(s.schema);
  if (path === undefined) {
    test.skip(`${s.file} validates against ../shared/${s.schema} (../shared not present)`, () => {});
    continue;
  }
  const validate = validator(path);

  test(`${s.file} validates against ../shared/${s.schema}`, (t) => {
    t.deepEqual(problems(validate, s.load()), []);
  });

  test(`${s.file}: the schema check is live (a known mistake is rejected)`, (t) => {
    t.not(problems(validate, s.broken(s.load())).length, 0);
  });
}
