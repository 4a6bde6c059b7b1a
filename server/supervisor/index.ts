export {
  Supervisor,
  describeExit,
  type Phase,
  type ProcessSnapshot,
  type SupervisorOptions,
} from './machine.ts';
export {
  Runner,
  defaultKill,
  defaultSpawn,
  type KillFn,
  type RunnerOptions,
  type SpawnFn,
} from './runner.ts';
export {
  orderProcesses,
  parseProcessList,
  serviceProcesses,
  withEmulators,
  type EmulatorOptions,
  type ProcessDecl,
  type ProcessSpec,
  type Readiness,
  type ServiceProcessOptions,
} from './processes.ts';
export {
  DEFAULT_POLICY,
  SUPERVISOR_VARIABLES,
  assertPolicy,
  policyFromEnv,
  type Policy,
  type PolicyResult,
} from './policy.ts';
export { nextProbeDelay, restartDelay, restartDelayBounds } from './backoff.ts';
export { httpProbe, type Probe, type ProbeResult } from './probe.ts';
export { LogForwarder, IDLE_FLUSH_MS, type ForwarderOptions } from './log-forwarder.ts';
export { MAX_ENTRY_BYTES, wrapText, formatJsonLine, severityOfText } from './log-entry.ts';
export {
  EXIT_CONFIG,
  EXIT_FAILURE,
  EXIT_OK,
  type Command,
  type KillReason,
  type SupervisorEvent,
} from './protocol.ts';
