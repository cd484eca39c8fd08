/** Library entry: `import { startModelServer } from '@sidekiq/model-server'` (does not start anything). */
export { startModelServer, type ModelServer, type ModelServerOptions } from './server';
export { RequestLog, type RequestLogEntry } from './request-log';
export { parseMarkers, answerTokens, type Markers } from './answer';
