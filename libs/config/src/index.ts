export * from './config.module.js';
export * from './config.schema.js';
export * from './configuration-error.js';
export * from './docker-host.js';
export * from './stevedore-config.js';
export * from './process-start.js';
