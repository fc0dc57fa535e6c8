// Queries are methods of a snapshot: the free functions stay inside the lib.
export type { ImageQuery, TaggedImage } from './catalogue-queries.js';
export * from './catalogue-snapshot.js';
export * from './catalogue.module.js';
export * from './glob.js';
export * from './host-catalogue.js';
export * from './image-filter.js';
export * from './image-order.js';
export * from './image-record.js';
export * from './layer-chain.js';
export * from './live-catalogue.js';
export * from './prune-plan.js';
export * from './shared-values.js';
