/**
 * Oracles: the synthesized manifests against schemas we did not write. The Knative files against
 * the Knative Service CRD, the Cloud Run file also against the Cloud Run Admin API v1 discovery
 * schema (no unknown fields, right types), the local files against the Kubernetes types.
 * Reads ../shared; skips with a message where it is absent.
 */
import test from 'ava';
import { parseAllDocuments } from 'yaml';
import { synthesize } from '../../charts/synth.ts';
import {
  cloudRunSchemaValidator,
  knativeSchemaValidator,
  kubernetesTypeDifferences,
  schemaErrors,
  sharedMissing,
} from './helpers/oracles.ts';

const missing = sharedMissing();
const files = synthesize({ project: 'elevendops-prod' }).files;
const parsed = (text: string) =>
  parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);

if (missing) {
  test('schema oracles', (t) => {
    t.log(missing);
    t.pass();
  });
} else {
  for (const file of files.filter((f) => f.target !== undefined)) {
    test(`${file.path} validates against the Knative Service CRD schema`, (t) => {
      for (const doc of parsed(file.text))
        t.deepEqual(schemaErrors(knativeSchemaValidator(), doc), []);
    });
  }

  test('cloudrun/service.yaml validates against the Cloud Run Admin API v1 Service schema', (t) => {
    const file = files.find((f) => f.path === 'cloudrun/service.yaml')!;
    for (const doc of parsed(file.text))
      t.deepEqual(schemaErrors(cloudRunSchemaValidator(), doc), []);
  });

  test('the schema oracles do reject unknown fields and wrong types', (t) => {
    const doc = parsed(files.find((f) => f.path === 'cloudrun/service.yaml')!.text)[0] as any;
    const bad = structuredClone(doc);
    bad.spec.template.spec.containers[0].cpus = '2';
    bad.spec.template.spec.containerConcurrency = 'eighty';
    for (const validate of [cloudRunSchemaValidator(), knativeSchemaValidator()]) {
      const errors = schemaErrors(validate, bad).join('\n');
      t.regex(errors, /additional properties.*cpus/);
      t.regex(errors, /containerConcurrency must be integer/);
    }
  });
}

for (const file of files.filter((f) => f.path.startsWith('local/'))) {
  test(`${file.path}: every field is one the Kubernetes types know`, (t) => {
    for (const doc of parsed(file.text))
      t.deepEqual(kubernetesTypeDifferences(doc), [], String(doc.kind));
  });
}

test('the Kubernetes types oracle does reject a misspelt field', (t) => {
  const doc = parsed(files.find((f) => f.path === 'local/app.yaml')!.text)[0] as any;
  doc.spec.template.spec.containers[0].imagePullPolice = 'Always';
  t.deepEqual(kubernetesTypeDifferences(doc), [
    '.spec.template.spec.containers[0].imagePullPolice: "Always" became undefined',
  ]);
});
