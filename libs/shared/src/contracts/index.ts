export * from './common';
export * from './events';
export * from './views';
export * from './chat';
export * from './sidekiq-rpc';
export * from './chat-rpc';
