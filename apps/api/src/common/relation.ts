/**
 * Wraps the type of a property that points at a model in a module that imports this one back.
 * With ESM and emitDecoratorMetadata, naming the class directly would read it before its module
 * has run (a TDZ ReferenceError); a type alias makes TypeScript emit `Object` instead.
 */
export type Relation<T> = T;
