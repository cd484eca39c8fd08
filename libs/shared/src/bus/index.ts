export * from './topology';
export * from './connection';
export * from './event-consumer';
export * from './publisher';
export * from './rpc';
export * from './chat-requests-queue';
