/**
 * The plain Knative chart: the same service for GKE or any Kubernetes with Knative Serving, for
 * when Cloud Run's model is outgrown. Kubernetes names for the service account and secrets, no
 * `run.googleapis.com` annotations.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { CloudRunService } from './cloudrun-service.ts';
import type { DeploymentConfig } from './deployment-config.ts';
import { servicePropsFor } from './service-props.ts';

export class KnativeChart extends Chart {
  readonly service: CloudRunService;

  constructor(scope: Construct, id: string, config: DeploymentConfig) {
    super(scope, id, { disableResourceNameHashes: true });
    this.service = new CloudRunService(this, 'service', servicePropsFor(config, 'knative'));
  }
}
