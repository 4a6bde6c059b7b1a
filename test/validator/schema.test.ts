/**
 * The Cloud Run field tables (validator/schema.ts) are hand-written from the Admin API v1
 * discovery document; this compares them with the document in ../shared so they cannot drift.
 * Skips (with a message) where ../shared is absent.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { CLOUD_RUN_SERVICE, type ObjectType } from '../../validator/schema.ts';

const DISCOVERY = new URL('../../../shared/schemas/cloudrun/run-v1-discovery.json', import.meta.url)
  .pathname;

function reachable(root: ObjectType): ObjectType[] {
  const out = new Map<string, ObjectType>();
  const visit = (type: ObjectType) => {
    if (out.has(type.name)) return;
    out.set(type.name, type);
    for (const field of Object.values(type.fields)) {
      const t = field.type;
      if (typeof t === 'object') visit('listOf' in t ? t.listOf : t);
    }
  };
  visit(root);
  return [...out.values()];
}

test('every Cloud Run object type lists exactly the fields of the v1 discovery schema', (t) => {
  if (!existsSync(DISCOVERY)) {
    t.log(`skipped: ${DISCOVERY} not found`);
    t.pass();
    return;
  }
  const schemas = (
    JSON.parse(readFileSync(DISCOVERY, 'utf8')) as {
      schemas: Record<string, { properties: Record<string, unknown> }>;
    }
  ).schemas;
  const types = reachable(CLOUD_RUN_SERVICE);
  t.true(types.length >= 20, `${types.length} types`);
  for (const type of types) {
    const schema = schemas[type.name];
    t.truthy(schema, `${type.name} is a schema in the discovery document`);
    t.deepEqual(Object.keys(type.fields).sort(), Object.keys(schema!.properties).sort(), type.name);
  }
});

test('fields the discovery document marks "Not supported by Cloud Run" are unsupported in our table', (t) => {
  if (!existsSync(DISCOVERY)) {
    t.pass();
    return;
  }
  const schemas = (
    JSON.parse(readFileSync(DISCOVERY, 'utf8')) as {
      schemas: Record<string, { properties: Record<string, { description?: string }> }>;
    }
  ).schemas;
  for (const type of reachable(CLOUD_RUN_SERVICE))
    for (const [name, prop] of Object.entries(schemas[type.name]!.properties))
      if (/^Not supported (by|in) Cloud Run/.test(prop.description ?? ''))
        t.truthy(type.fields[name]!.unsupported, `${type.name}.${name}`);
});
