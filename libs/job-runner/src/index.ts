export * from './job-runner.module.js';
