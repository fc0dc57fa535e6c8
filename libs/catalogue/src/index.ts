export * from './catalogue.module.js';
export * from './glob.js';
export * from './image-catalogue.js';
export * from './image-filter.js';
export * from './image-record.js';
export * from './pagination.js';
