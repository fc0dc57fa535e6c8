export * from './job-runner.module.js';
export { UPDATE_CHECK_SCHEDULER } from './update-check-scheduler.js';
