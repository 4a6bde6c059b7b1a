export { createFrontendApp, type FrontendAppOptions } from './app.ts';
export {
  createApiHandler,
  apiRequestTarget,
  apiLogLevel,
  type ApiHandlerOptions,
} from './api-handler.ts';
export {
  startFrontend,
  defaultUiDir,
  type FrontendHandle,
  type StartFrontendOptions,
} from './server.ts';
export {
  createApiProxy,
  failureResponse,
  requestHasBody,
  type ApiProxy,
  type ForwardResult,
  type Failure,
  type ProxyOptions,
} from './proxy.ts';
export {
  loadCatalogue,
  makeAsset,
  IMMUTABLE,
  REVALIDATE,
  type Asset,
  type Catalogue,
} from './assets.ts';
export { UI_CSP, API_CSP, HSTS, BASE_HEADERS, securityHeaders, isApiPath } from './security.ts';
