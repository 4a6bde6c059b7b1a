export {
  loadConfig,
  type Config,
  type ConfigProblem,
  type ConfigResult,
  type Environment,
  type AppEnv,
  type DataBackend,
  type LogLevel,
} from './load.ts';
export {
  EXIT_CONFIG,
  loadConfigFromProcess,
  loadConfigOrExit,
  packageVersion,
  readEnvironment,
  summarizeProblems,
} from './environment.ts';
export {
  SERVICE_SECRETS,
  SECRET_ENV_NAMES,
  type SecretSpec,
  type SecretEnvName,
} from './secrets.ts';
export { VARIABLES, APP_ENVS, DATA_BACKENDS, LOG_LEVELS, type VariableSpec } from './variables.ts';
