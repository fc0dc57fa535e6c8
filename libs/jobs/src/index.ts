export * from './jobs.module.js';
export * from './queue.constants.js';
export * from './redis-connection.js';
export * from './redis-probe.js';
