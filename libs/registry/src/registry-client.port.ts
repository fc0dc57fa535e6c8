import type { Readable } from 'node:stream';
import type { RegistryEndpoint } from './registry-endpoint.js';

/** Nest injection token of the registry client. */
export const REGISTRY_CLIENT = Symbol('RegistryClient');

/** A page of names in the registry's own order, continued after the last name of the previous page. */
export interface RemotePage {
  readonly first: number;
  /** The last name of the previous page (Distribution's `last`). */
  readonly after?: string;
}

/** Docker Hub's `RateLimit-*` headers, when the registry sent them. */
export interface RegistryRateLimit {
  readonly limit: number;
  readonly remaining: number;
  readonly windowSeconds?: number;
}

export interface RemoteNames {
  readonly names: readonly string[];
  readonly hasNextPage: boolean;
  readonly rateLimit?: RegistryRateLimit;
}

/** A manifest or index as the registry holds it: its bytes are what its digest is of. */
export interface RemoteManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly bytes: Buffer;
  readonly rateLimit?: RegistryRateLimit;
}

/** What a HEAD of a manifest tells: its digest, without its body (Docker Hub counts no pull for it). */
export interface RemoteManifestHead {
  readonly digest: string;
  readonly mediaType: string;
  readonly size?: number;
  readonly rateLimit?: RegistryRateLimit;
}

/** Whether the registry answers its API root, and accepts the credentials it has (false without any). */
export interface RegistryCheck {
  readonly reachable: boolean;
  readonly authenticated: boolean;
}

/**
 * A Distribution v2 / OCI registry, read without the daemon. Failures are domain errors:
 * MANIFEST_UNKNOWN, REGISTRY_UNAUTHORIZED, REGISTRY_UNREACHABLE, RATE_LIMITED, UNSUPPORTED (a
 * catalog the registry refuses).
 */
export interface RegistryClient {
  /** `GET /v2/`, authenticated when the registry asks; never throws. */
  check(endpoint: RegistryEndpoint, timeoutMs: number): Promise<RegistryCheck>;
  /** Repository names from `/v2/_catalog`. */
  catalog(endpoint: RegistryEndpoint, page: RemotePage): Promise<RemoteNames>;
  /** Tag names of a repository (its path, registry excluded). */
  tags(endpoint: RegistryEndpoint, repository: string, page: RemotePage): Promise<RemoteNames>;
  /** A manifest or index by tag or digest; by digest, its bytes are checked against it. */
  manifest(endpoint: RegistryEndpoint, repository: string, reference: string): Promise<RemoteManifest>;
  headManifest(
    endpoint: RegistryEndpoint,
    repository: string,
    reference: string,
  ): Promise<RemoteManifestHead>;
  /** A small JSON blob (an image config), checked against its digest. */
  jsonBlob(endpoint: RegistryEndpoint, repository: string, digest: string): Promise<unknown>;

  // The write side, for copies between registries.
  /** Whether the repository has the blob (a HEAD); with push rights when `scope` says so. */
  hasBlob(endpoint: RegistryEndpoint, repository: string, digest: string, scope?: string): Promise<boolean>;
  /** A blob's bytes as a stream (not checked here: the target registry checks the digest). */
  openBlob(
    endpoint: RegistryEndpoint,
    repository: string,
    digest: string,
    signal?: AbortSignal,
  ): Promise<{ size: number | undefined; body: Readable }>;
  /** A cross-repository mount within one registry; false when the registry would not mount it. */
  mountBlob(endpoint: RegistryEndpoint, repository: string, digest: string, from: string): Promise<boolean>;
  /** A blob uploaded from a stream, in one PUT; the registry checks it against `digest`. */
  uploadBlob(
    endpoint: RegistryEndpoint,
    repository: string,
    digest: string,
    size: number,
    body: Readable,
    signal?: AbortSignal,
  ): Promise<void>;
  /** A manifest or index, its bytes as given (so its digest is the source's); answers the digest. */
  putManifest(
    endpoint: RegistryEndpoint,
    repository: string,
    reference: string,
    mediaType: string,
    bytes: Buffer,
  ): Promise<string>;
}
