import type { RegistryCredentials } from '#libs/registry-auth';

/** Nest injection token of the store of registries added at run time. */
export const REGISTRY_STORE = Symbol('RegistryStore');

/** A registry an admin added through the API. */
export interface StoredRegistry {
  readonly name: string;
  readonly credentials?: RegistryCredentials;
  readonly insecure: boolean;
}

/** The registries added at run time, shared by every api process (credentials sealed at rest). */
export interface RegistryStore {
  list(): Promise<StoredRegistry[]>;
  /** Adds, or replaces the entry of the same name. */
  save(registry: StoredRegistry): Promise<void>;
  /** False when there was no such entry. */
  remove(name: string): Promise<boolean>;
}
