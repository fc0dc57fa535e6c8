export * from './docker-engine.port.js';
export * from './docker.module.js';
export * from './dockerode-engine.adapter.js';
export * from './engine-error.js';
