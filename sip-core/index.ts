export * from './api/account';
export * from './api/call';
export * from './api/media';
export * from './api/registration-state';
export * from './api/softphone';
export * from './ports/renderer-media-port';
export * from './transports';
export * from './adapters/sipjs';
