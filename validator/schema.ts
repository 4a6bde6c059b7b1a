/**
 * The fields each target knows, per object type. Cloud Run: the Admin API v1 schema (gcloud
 * parses the YAML into those messages and rejects any other field). Knative: the Kubernetes types
 * Knative Serving decodes, narrowed by its field masks (pkg/apis/serving/fieldmask.go): a
 * Kubernetes field outside the mask is rejected, some only while a feature flag is off.
 *
 * The tables are written from those sources by hand; a test compares the Cloud Run tables with
 * the discovery document in ../shared so they cannot silently drift.
 */

export type Scalar =
  | 'string'
  | 'int'
  | 'bool'
  /** map<string,string>: labels, annotations, Cloud Run resource limits. */
  | 'stringMap'
  | 'stringList'
  /** map<string,Quantity>: Kubernetes resource lists (number or quantity string). */
  | 'quantityMap'
  /** Kubernetes IntOrString (probe ports). */
  | 'intOrString'
  /** A resource quantity (emptyDir.sizeLimit on Knative). */
  | 'quantity'
  /** Not inspected further (output-only status, Kubernetes structures we only pass through). */
  | 'any';

export interface ObjectType {
  readonly name: string;
  readonly fields: Readonly<Record<string, Field>>;
}

export interface Field {
  readonly type: Scalar | ObjectType | { readonly listOf: ObjectType };
  /** Cloud Run documents the field as not supported: the reason, reported as an error. */
  readonly unsupported?: string;
  /** Knative: the field is rejected unless this feature flag (config-features) is enabled. */
  readonly flag?: string;
  /** Knative: a Kubernetes field that Knative never accepts. */
  readonly disallowed?: true;
}

const t = (type: Field['type'], extra: Omit<Field, 'type'> = {}): Field => ({ type, ...extra });
const obj = (name: string, fields: Record<string, Field>): ObjectType => ({ name, fields });
const listOf = (o: ObjectType) => ({ listOf: o });
const S = t('string');
const I = t('int');
const B = t('bool');
const ANY = t('any');

// ---------------------------------------------------------------- Cloud Run (Admin API v1)

const NOT_SUPPORTED = 'not supported by Cloud Run';

const crLocalRef = obj('LocalObjectReference', { name: S });
const crObjectMeta = obj('ObjectMeta', {
  name: S,
  generateName: S,
  namespace: S,
  selfLink: S,
  uid: S,
  resourceVersion: S,
  generation: I,
  creationTimestamp: S,
  labels: t('stringMap'),
  annotations: t('stringMap'),
  ownerReferences: t('any', { unsupported: NOT_SUPPORTED }),
  deletionTimestamp: S,
  deletionGracePeriodSeconds: t('int', { unsupported: NOT_SUPPORTED }),
  finalizers: t('stringList', { unsupported: NOT_SUPPORTED }),
  clusterName: t('string', { unsupported: NOT_SUPPORTED }),
});
const crKeyToPath = obj('KeyToPath', { key: S, path: S, mode: I });
const crProbe = obj('Probe', {
  initialDelaySeconds: I,
  timeoutSeconds: I,
  periodSeconds: I,
  successThreshold: I,
  failureThreshold: I,
  exec: t(obj('ExecAction', { command: t('stringList') }), {
    unsupported: 'exec probes are not supported by Cloud Run',
  }),
  httpGet: t(
    obj('HTTPGetAction', {
      path: S,
      host: t('string', { unsupported: NOT_SUPPORTED }),
      scheme: t('string', { unsupported: NOT_SUPPORTED }),
      httpHeaders: t(listOf(obj('HTTPHeader', { name: S, value: S }))),
      port: I,
    }),
  ),
  tcpSocket: t(
    obj('TCPSocketAction', { port: I, host: t('string', { unsupported: NOT_SUPPORTED }) }),
  ),
  grpc: t(obj('GRPCAction', { port: I, service: S })),
});
const crContainer = obj('Container', {
  name: S,
  image: S,
  command: t('stringList'),
  args: t('stringList'),
  env: t(
    listOf(
      obj('EnvVar', {
        name: S,
        value: S,
        valueFrom: t(
          obj('EnvVarSource', {
            configMapKeyRef: t('any', {
              unsupported: 'configMapKeyRef is not supported by Cloud Run',
            }),
            secretKeyRef: t(
              obj('SecretKeySelector', {
                localObjectReference: t(crLocalRef),
                key: S,
                optional: B,
                name: S,
              }),
            ),
          }),
        ),
      }),
    ),
  ),
  resources: t(obj('ResourceRequirements', { limits: t('stringMap'), requests: t('stringMap') })),
  workingDir: S,
  ports: t(listOf(obj('ContainerPort', { name: S, containerPort: I, protocol: S }))),
  envFrom: t('any', { unsupported: NOT_SUPPORTED }),
  volumeMounts: t(listOf(obj('VolumeMount', { name: S, readOnly: B, mountPath: S, subPath: S }))),
  livenessProbe: t(crProbe),
  readinessProbe: t(crProbe),
  startupProbe: t(crProbe),
  terminationMessagePath: S,
  terminationMessagePolicy: S,
  imagePullPolicy: S,
  securityContext: t('any', { unsupported: NOT_SUPPORTED }),
});
const crVolume = obj('Volume', {
  name: S,
  secret: t(
    obj('SecretVolumeSource', {
      secretName: S,
      items: t(listOf(crKeyToPath)),
      defaultMode: I,
      optional: t('bool', { unsupported: NOT_SUPPORTED }),
    }),
  ),
  configMap: t('any', { unsupported: 'configMap volumes are not supported by Cloud Run' }),
  emptyDir: t(obj('EmptyDirVolumeSource', { medium: S, sizeLimit: S })),
  nfs: t(obj('NFSVolumeSource', { server: S, path: S, readOnly: B })),
  csi: t(obj('CSIVolumeSource', { driver: S, readOnly: B, volumeAttributes: t('stringMap') })),
});
const crRevisionSpec = obj('RevisionSpec', {
  containerConcurrency: I,
  timeoutSeconds: I,
  serviceAccountName: S,
  containers: t(listOf(crContainer)),
  volumes: t(listOf(crVolume)),
  runtimeClassName: S,
  enableServiceLinks: t('bool', { unsupported: NOT_SUPPORTED }),
  imagePullSecrets: t(listOf(crLocalRef), { unsupported: NOT_SUPPORTED }),
  nodeSelector: t('stringMap'),
});
const crTraffic = obj('TrafficTarget', {
  configurationName: S,
  revisionName: S,
  percent: I,
  tag: S,
  latestRevision: B,
  url: S,
});
export const CLOUD_RUN_SERVICE = obj('Service', {
  apiVersion: S,
  kind: S,
  metadata: t(crObjectMeta),
  spec: t(
    obj('ServiceSpec', {
      template: t(obj('RevisionTemplate', { metadata: t(crObjectMeta), spec: t(crRevisionSpec) })),
      traffic: t(listOf(crTraffic)),
    }),
  ),
  status: ANY,
});

// ---------------------------------------------------------------- Knative Serving

const DISALLOWED = { disallowed: true } as const;
const flag = (name: string) => ({ flag: name });
const knRef = obj('LocalObjectReference', { name: S });
const knObjectMeta = obj('ObjectMeta', {
  name: S,
  generateName: S,
  namespace: S,
  selfLink: S,
  uid: S,
  resourceVersion: S,
  generation: I,
  creationTimestamp: S,
  deletionTimestamp: S,
  deletionGracePeriodSeconds: I,
  labels: t('stringMap'),
  annotations: t('stringMap'),
  ownerReferences: ANY,
  finalizers: t('stringList'),
  managedFields: ANY,
});
const knKeyToPath = obj('KeyToPath', { key: S, path: S, mode: I });
const knProbe = obj('Probe', {
  initialDelaySeconds: I,
  timeoutSeconds: I,
  periodSeconds: I,
  successThreshold: I,
  failureThreshold: I,
  terminationGracePeriodSeconds: I,
  exec: t(obj('ExecAction', { command: t('stringList') })),
  httpGet: t(
    obj('HTTPGetAction', {
      path: S,
      port: t('intOrString'),
      host: S,
      scheme: S,
      httpHeaders: t(listOf(obj('HTTPHeader', { name: S, value: S }))),
    }),
  ),
  tcpSocket: t(obj('TCPSocketAction', { port: t('intOrString'), host: S })),
  grpc: t(obj('GRPCAction', { port: I, service: S })),
});
const knSelector = (name: string) => obj(name, { name: S, key: S, optional: B });
const knContainer = obj('Container', {
  name: S,
  image: S,
  command: t('stringList'),
  args: t('stringList'),
  workingDir: S,
  ports: t(
    listOf(
      obj('ContainerPort', {
        containerPort: I,
        name: S,
        protocol: S,
        hostIP: t('string', DISALLOWED),
        hostPort: t('int', DISALLOWED),
      }),
    ),
  ),
  envFrom: t(
    listOf(
      obj('EnvFromSource', {
        prefix: S,
        configMapRef: t(obj('ConfigMapEnvSource', { name: S, optional: B })),
        secretRef: t(obj('SecretEnvSource', { name: S, optional: B })),
      }),
    ),
  ),
  env: t(
    listOf(
      obj('EnvVar', {
        name: S,
        value: S,
        valueFrom: t(
          obj('EnvVarSource', {
            configMapKeyRef: t(knSelector('ConfigMapKeySelector')),
            secretKeyRef: t(knSelector('SecretKeySelector')),
            fieldRef: t('any', flag('kubernetes.podspec-fieldref')),
            resourceFieldRef: t('any', flag('kubernetes.podspec-fieldref')),
          }),
        ),
      }),
    ),
  ),
  resources: t(
    obj('ResourceRequirements', {
      limits: t('quantityMap'),
      requests: t('quantityMap'),
      claims: t('any', DISALLOWED),
    }),
  ),
  volumeMounts: t(
    listOf(
      obj('VolumeMount', {
        name: S,
        readOnly: B,
        mountPath: S,
        subPath: S,
        mountPropagation: t('string', flag('kubernetes.podspec-volumes-mount-propagation')),
        subPathExpr: t('string', DISALLOWED),
        recursiveReadOnly: t('string', DISALLOWED),
      }),
    ),
  ),
  livenessProbe: t(knProbe),
  readinessProbe: t(knProbe),
  startupProbe: t(knProbe),
  terminationMessagePath: S,
  terminationMessagePolicy: S,
  imagePullPolicy: S,
  securityContext: t(
    obj('SecurityContext', {
      capabilities: t(
        obj('Capabilities', {
          drop: t('stringList'),
          add: t('stringList', flag('kubernetes.containerspec-addcapabilities')),
        }),
      ),
      readOnlyRootFilesystem: B,
      runAsUser: I,
      runAsGroup: I,
      runAsNonRoot: B,
      allowPrivilegeEscalation: B,
      seccompProfile: t(obj('SeccompProfile', { type: S, localhostProfile: S })),
      // Only false: see rules/revision.ts.
      privileged: B,
      seLinuxOptions: t('any', DISALLOWED),
      procMount: t('string', DISALLOWED),
      windowsOptions: t('any', DISALLOWED),
      appArmorProfile: t('any', DISALLOWED),
    }),
  ),
  lifecycle: t('any', DISALLOWED),
  stdin: t('bool', DISALLOWED),
  stdinOnce: t('bool', DISALLOWED),
  tty: t('bool', DISALLOWED),
  volumeDevices: t('any', DISALLOWED),
  resizePolicy: t('any', DISALLOWED),
  restartPolicy: t('string', DISALLOWED),
});
const knVolume = obj('Volume', {
  name: S,
  secret: t(
    obj('SecretVolumeSource', {
      secretName: S,
      items: t(listOf(knKeyToPath)),
      defaultMode: I,
      optional: B,
    }),
  ),
  configMap: t(
    obj('ConfigMapVolumeSource', {
      name: S,
      items: t(listOf(knKeyToPath)),
      defaultMode: I,
      optional: B,
    }),
  ),
  projected: ANY,
  emptyDir: t(obj('EmptyDirVolumeSource', { medium: S, sizeLimit: t('quantity') })),
  persistentVolumeClaim: t('any', flag('kubernetes.podspec-persistent-volume-claim')),
  hostPath: t('any', flag('kubernetes.podspec-volumes-hostpath')),
  csi: t('any', flag('kubernetes.podspec-volumes-csi')),
  ephemeral: t('any', flag('kubernetes.podspec-volumes-ephemeral')),
  image: t('any', flag('kubernetes.podspec-volumes-image')),
  nfs: t('any', DISALLOWED),
  gcePersistentDisk: t('any', DISALLOWED),
  awsElasticBlockStore: t('any', DISALLOWED),
  gitRepo: t('any', DISALLOWED),
  iscsi: t('any', DISALLOWED),
  glusterfs: t('any', DISALLOWED),
  rbd: t('any', DISALLOWED),
  flexVolume: t('any', DISALLOWED),
  cinder: t('any', DISALLOWED),
  cephfs: t('any', DISALLOWED),
  flocker: t('any', DISALLOWED),
  downwardAPI: t('any', DISALLOWED),
  fc: t('any', DISALLOWED),
  azureFile: t('any', DISALLOWED),
  azureDisk: t('any', DISALLOWED),
  vsphereVolume: t('any', DISALLOWED),
  quobyte: t('any', DISALLOWED),
  photonPersistentDisk: t('any', DISALLOWED),
  portworxVolume: t('any', DISALLOWED),
  scaleIO: t('any', DISALLOWED),
  storageos: t('any', DISALLOWED),
});
const knRevisionSpec = obj('RevisionSpec', {
  containerConcurrency: I,
  timeoutSeconds: I,
  responseStartTimeoutSeconds: I,
  idleTimeoutSeconds: I,
  serviceAccountName: S,
  containers: t(listOf(knContainer)),
  volumes: t(listOf(knVolume)),
  imagePullSecrets: t(listOf(knRef)),
  enableServiceLinks: B,
  automountServiceAccountToken: B,
  affinity: t('any', flag('kubernetes.podspec-affinity')),
  topologySpreadConstraints: t('any', flag('kubernetes.podspec-topologyspreadconstraints')),
  hostAliases: t('any', flag('kubernetes.podspec-hostaliases')),
  nodeSelector: t('stringMap', flag('kubernetes.podspec-nodeselector')),
  runtimeClassName: t('string', flag('kubernetes.podspec-runtimeclassname')),
  tolerations: t('any', flag('kubernetes.podspec-tolerations')),
  securityContext: t('any', flag('kubernetes.podspec-securitycontext')),
  shareProcessNamespace: t('bool', flag('kubernetes.podspec-shareprocessnamespace')),
  priorityClassName: t('string', flag('kubernetes.podspec-priorityclassname')),
  schedulerName: t('string', flag('kubernetes.podspec-schedulername')),
  initContainers: t('any', flag('kubernetes.podspec-init-containers')),
  dnsPolicy: t('string', flag('kubernetes.podspec-dnspolicy')),
  dnsConfig: t('any', flag('kubernetes.podspec-dnsconfig')),
  hostIPC: t('bool', flag('kubernetes.podspec-hostipc')),
  hostPID: t('bool', flag('kubernetes.podspec-hostpid')),
  hostNetwork: t('bool', flag('kubernetes.podspec-hostnetwork')),
  restartPolicy: t('string', DISALLOWED),
  terminationGracePeriodSeconds: t('int', DISALLOWED),
  activeDeadlineSeconds: t('int', DISALLOWED),
  nodeName: t('string', DISALLOWED),
  hostname: t('string', DISALLOWED),
  subdomain: t('string', DISALLOWED),
  priority: t('int', DISALLOWED),
  readinessGates: t('any', DISALLOWED),
  preemptionPolicy: t('string', DISALLOWED),
  overhead: t('any', DISALLOWED),
  os: t('any', DISALLOWED),
  hostUsers: t('bool', DISALLOWED),
  schedulingGates: t('any', DISALLOWED),
  resourceClaims: t('any', DISALLOWED),
  serviceAccount: t('string', DISALLOWED),
  setHostnameAsFQDN: t('bool', DISALLOWED),
  ephemeralContainers: t('any', DISALLOWED),
});
const knTraffic = obj('TrafficTarget', {
  tag: S,
  revisionName: S,
  configurationName: S,
  latestRevision: B,
  percent: I,
  url: S,
});
export const KNATIVE_SERVICE = obj('Service', {
  apiVersion: S,
  kind: S,
  metadata: t(knObjectMeta),
  spec: t(
    obj('ServiceSpec', {
      template: t(
        obj('RevisionTemplateSpec', { metadata: t(knObjectMeta), spec: t(knRevisionSpec) }),
      ),
      traffic: t(listOf(knTraffic)),
    }),
  ),
  status: ANY,
});
