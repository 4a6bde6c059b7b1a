/**
 * The validator as a cdk8s validation plugin, so that plain `cdk8s synth` reports Cloud Run (or
 * Knative) rule violations too. cdk8s loads plugins with require(), hence CommonJS; the validator
 * itself is ESM TypeScript and is loaded lazily (compiled dist/ when present, else through tsx).
 *
 * In cdk8s.yaml:
 *   validations:
 *     - package: ./validator/cdk8s-plugin.cjs
 *       version: 0.0.0
 *       class: CloudRunValidation
 *       properties: { target: cloudrun, include: "/cloudrun/" }
 *
 * Properties: target ('cloudrun' | 'knative', default 'cloudrun'); include (a regular expression
 * over manifest paths; default: every manifest). Only Knative Service documents are judged; other
 * documents in the same manifests (Deployments, ConfigMaps, ...) are not ours to check. Errors
 * become violations and fail the report; warnings are logged.
 */
/* eslint-disable no-undef -- CommonJS: require, module and __dirname are this module's own */
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

async function loadValidator() {
  const built = join(__dirname, '..', 'dist', 'validator', 'index.js');
  if (existsSync(built)) return import(pathToFileURL(built).href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(join(__dirname, 'index.ts')).href);
}

function isKnativeService(doc) {
  return (
    typeof doc === 'object' &&
    doc !== null &&
    doc.kind === 'Service' &&
    typeof doc.apiVersion === 'string' &&
    doc.apiVersion.startsWith('serving.knative.dev/')
  );
}

class CloudRunValidation {
  constructor(props = {}) {
    this.target = props.target === 'knative' ? 'knative' : 'cloudrun';
    this.include = props.include ? new RegExp(props.include) : undefined;
  }

  async validate(context) {
    const { validateManifest } = await loadValidator();
    const violations = new Map();
    for (const manifestPath of context.manifests) {
      if (this.include && !this.include.test(manifestPath)) continue;
      for (const doc of context.parseManifest(manifestPath)) {
        if (!isKnativeService(doc)) continue;
        const resourceName = (doc.metadata && doc.metadata.name) || '(unnamed Service)';
        for (const finding of validateManifest(doc, { target: this.target })) {
          if (finding.severity !== 'error') {
            context.logger.log(
              `warning ${manifestPath} ${finding.path}: ${finding.message} [${finding.rule}]`,
            );
            continue;
          }
          let violation = violations.get(finding.rule);
          if (!violation) {
            violation = {
              ruleName: finding.rule,
              recommendation: finding.message,
              fix: 'see docs/validator.md for the rule and its allowed values',
              violatingResources: [],
            };
            violations.set(finding.rule, violation);
          }
          violation.violatingResources.push({
            resourceName,
            locations: [finding.path],
            manifestPath,
          });
        }
      }
    }
    for (const violation of violations.values()) context.report.addViolation(violation);
    context.report.submit(violations.size === 0 ? 'success' : 'failure', { target: this.target });
  }
}

module.exports = { CloudRunValidation };
