export * from './image-change-command.js';
export * from './image-changes.module.js';
export * from './image-changes.service.js';
