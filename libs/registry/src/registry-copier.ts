import { pipeline, Transform } from 'node:stream';
import pLimit from 'p-limit';
import { BadUserInputError } from '#libs/errors';
import type { RegistryClient } from './registry-client.port.js';
import type { RegistryEndpoint } from './registry-endpoint.js';
import {
  type Descriptor,
  formatPlatform,
  type ImageManifest,
  type IndexEntry,
  parseManifest,
  pickPlatform,
  type Platform,
} from './remote-image.js';

/** One side of a copy: a registry, a repository path, and a tag or digest. */
export interface CopyEnd {
  readonly endpoint: RegistryEndpoint;
  readonly repository: string;
  readonly reference: string;
}

/** How a blob fared: already there, mounted from another repository, or streamed over. */
export type BlobCopyStatus = 'Waiting' | 'Copying' | 'Exists' | 'Mounted' | 'Copied';

export interface BlobProgress {
  readonly digest: string;
  readonly status: BlobCopyStatus;
  readonly current: number;
  readonly total: number;
}

export interface CopyOptions {
  /** An index's platforms to copy; all when absent (the index then keeps its digest). */
  readonly platforms?: readonly Platform[];
  readonly signal?: AbortSignal;
  /** Every blob's progress, at each change. */
  readonly onProgress?: (blobs: readonly BlobProgress[]) => void;
}

/** Copies an image or index between registries; answers the digest the target now holds. */
export interface ImageCopier {
  copy(source: CopyEnd, target: CopyEnd, options?: CopyOptions): Promise<string>;
}

/** Nest injection token of the ImageCopier. */
export const IMAGE_COPIER = Symbol('ImageCopier');

/** Blobs in flight at once. */
const BLOB_CONCURRENCY = 3;

/**
 * Copies an image or index between registries without the daemon or local disk: each blob
 * skipped when the target has it, mounted when both repositories share a registry, streamed
 * otherwise; manifests and indexes written as their bytes are, so every digest is kept. A subset
 * of an index's platforms is a new index of those entries (a new digest, necessarily).
 */
export class RegistryCopier implements ImageCopier {
  constructor(private readonly client: RegistryClient) {}

  /** Answers the digest the target now holds under its reference. */
  async copy(source: CopyEnd, target: CopyEnd, options: CopyOptions = {}): Promise<string> {
    const progress = new Map<string, BlobProgress>();
    const report = () => options.onProgress?.([...progress.values()]);
    const top = await this.client.manifest(source.endpoint, source.repository, source.reference);
    const parsed = parseManifest(top.mediaType, top.bytes, source.endpoint.name);
    if (parsed.kind === 'image') {
      await this.copyBlobs(parsed.manifest, source, target, progress, report, options.signal);
      return this.client.putManifest(
        target.endpoint,
        target.repository,
        target.reference,
        top.mediaType,
        top.bytes,
      );
    }
    const { entries, bytes } = selected(parsed.manifests, top.bytes, options.platforms, source);
    for (const entry of entries) {
      aborted(options.signal);
      const child = await this.client.manifest(source.endpoint, source.repository, entry.digest);
      const manifest = parseManifest(child.mediaType, child.bytes, source.endpoint.name);
      if (manifest.kind !== 'image') {
        throw new BadUserInputError(
          `${entry.digest} is an index inside an index, which Stevedore does not copy.`,
        );
      }
      await this.copyBlobs(manifest.manifest, source, target, progress, report, options.signal);
      await this.client.putManifest(
        target.endpoint,
        target.repository,
        entry.digest,
        child.mediaType,
        child.bytes,
      );
    }
    return this.client.putManifest(
      target.endpoint,
      target.repository,
      target.reference,
      top.mediaType,
      bytes,
    );
  }

  private async copyBlobs(
    manifest: ImageManifest,
    source: CopyEnd,
    target: CopyEnd,
    progress: Map<string, BlobProgress>,
    report: () => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const blobs = [manifest.config, ...manifest.layers].filter((blob) => !progress.has(blob.digest));
    for (const blob of blobs)
      progress.set(blob.digest, { digest: blob.digest, status: 'Waiting', current: 0, total: blob.size });
    report();
    const limit = pLimit(BLOB_CONCURRENCY);
    await Promise.all(
      blobs.map((blob) =>
        limit(async () => {
          aborted(signal);
          const set = (status: BlobCopyStatus, current: number) => {
            progress.set(blob.digest, { digest: blob.digest, status, current, total: blob.size });
            report();
          };
          set(
            await this.copyBlob(blob, source, target, (current) => set('Copying', current), signal),
            blob.size,
          );
        }),
      ),
    );
  }

  private async copyBlob(
    blob: Descriptor,
    source: CopyEnd,
    target: CopyEnd,
    onBytes: (current: number) => void,
    signal?: AbortSignal,
  ): Promise<BlobCopyStatus> {
    if (await this.client.hasBlob(target.endpoint, target.repository, blob.digest)) return 'Exists';
    const sameRegistry = source.endpoint.baseUrl === target.endpoint.baseUrl;
    if (sameRegistry && source.repository !== target.repository) {
      if (await this.client.mountBlob(target.endpoint, target.repository, blob.digest, source.repository)) {
        return 'Mounted';
      }
    }
    const opened = await this.client.openBlob(source.endpoint, source.repository, blob.digest, signal);
    let current = 0;
    // pipeline, not pipe: an aborted or failed read tears both streams down, and the upload that
    // consumes them reports the failure (the callback has nothing to add).
    const counted = pipeline(
      opened.body,
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          current += chunk.length;
          onBytes(current);
          done(null, chunk);
        },
      }),
      () => undefined,
    );
    await this.client.uploadBlob(target.endpoint, target.repository, blob.digest, blob.size, counted, signal);
    return 'Copied';
  }
}

/** The entries to copy and the index bytes to write: the original, or one of the platforms asked for. */
function selected(
  manifests: readonly IndexEntry[],
  bytes: Buffer,
  platforms: readonly Platform[] | undefined,
  source: CopyEnd,
): { entries: readonly IndexEntry[]; bytes: Buffer } {
  if (!platforms || platforms.length === 0) return { entries: manifests, bytes };
  const entries = platforms.map((platform) => {
    const entry = pickPlatform(manifests, platform);
    if (!entry) {
      throw new BadUserInputError(
        `${source.endpoint.name}/${source.repository}:${source.reference} has no ${formatPlatform(platform)} image.`,
      );
    }
    return entry;
  });
  const index = JSON.parse(bytes.toString('utf8')) as { manifests: { digest: string }[] };
  const kept = new Set(entries.map((entry) => entry.digest));
  const subset = { ...index, manifests: index.manifests.filter((entry) => kept.has(entry.digest)) };
  return { entries, bytes: Buffer.from(JSON.stringify(subset)) };
}

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new Error('copy aborted');
}
