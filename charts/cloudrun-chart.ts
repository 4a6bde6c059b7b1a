/** The Cloud Run chart: the service as `gcloud run services replace` and Skaffold deploy it. */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { CloudRunService } from './cloudrun-service.ts';
import type { DeploymentConfig } from './deployment-config.ts';
import { servicePropsFor } from './service-props.ts';

export class CloudRunChart extends Chart {
  readonly service: CloudRunService;

  constructor(scope: Construct, id: string, config: DeploymentConfig) {
    super(scope, id, { disableResourceNameHashes: true });
    this.service = new CloudRunService(this, 'service', servicePropsFor(config, 'cloudrun'));
  }
}
