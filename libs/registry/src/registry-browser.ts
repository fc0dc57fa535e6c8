import { BadUserInputError } from '#libs/errors';
import { decodeCursor, encodeCursor, MAX_PAGE_SIZE } from '#libs/pagination';
import { parseReference, type ImageReference } from '#libs/reference';
import { repositoryReference } from './registry-name.js';
import type { KnownRegistry } from './known-registry.js';
import type {
  RegistryCheck,
  RegistryClient,
  RegistryRateLimit,
  RemoteNames,
} from './registry-client.port.js';
import type { RegistryDirectory } from './registry-directory.js';
import { type RegistryEndpoint, registryEndpoint } from './registry-endpoint.js';
import {
  type Descriptor,
  formatPlatform,
  parseManifest,
  parsePlatform,
  pickPlatform,
  type Platform,
  summarizeConfig,
} from './remote-image.js';

/** A page of names, with Relay's page info; the cursor holds the last name (Distribution's `last`). */
export interface NamePage {
  readonly nodes: readonly string[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
  readonly rateLimit?: RegistryRateLimit;
}

/** What a registry holds for a reference, read without pulling. */
export interface RemoteImageView {
  readonly reference: string;
  readonly digest: string;
  readonly mediaType: string;
  /** Every platform of an index (attestations left out); the one platform of a manifest. */
  readonly platforms: readonly Platform[];
  /** The platform the details below are of. */
  readonly platform: Platform;
  /** Config and layers, compressed, as the registry stores them. */
  readonly size: number;
  readonly created?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly layers: readonly Descriptor[];
  readonly rateLimit?: RegistryRateLimit;
}

const CURSOR_KIND = 'name:';

/** Browsing registries: what they hold, read through the client with each registry's credentials. */
export class RegistryBrowser {
  constructor(
    private readonly directory: RegistryDirectory,
    private readonly client: RegistryClient,
    private readonly options: { readonly checkTimeoutMs: number },
  ) {}

  /** Every known registry, each checked (in parallel, bounded by the check timeout). */
  async registries(): Promise<(KnownRegistry & RegistryCheck)[]> {
    const known = await this.directory.list();
    return Promise.all(known.map((registry) => this.checked(registry)));
  }

  /** One registry by name, checked; undefined when Stevedore does not know it. */
  async registry(name: string): Promise<(KnownRegistry & RegistryCheck) | undefined> {
    const known = await this.directory.find(name);
    return known && this.checked(known);
  }

  async repositories(registry: string, page: { first: number; after?: string | null }): Promise<NamePage> {
    const endpoint = await this.directory.endpointOf(registry);
    const after = afterName(page);
    return namePage(await this.client.catalog(endpoint, { first: page.first, after }));
  }

  /** A repository's tags; `repository` is a name as in references (`nginx`, `host:5000/app`). */
  async tags(repository: string, page: { first: number; after?: string | null }): Promise<NamePage> {
    const ref = repositoryReference(repository);
    const endpoint = await this.directory.endpointOf(ref.domain);
    const after = afterName(page);
    return namePage(await this.client.tags(endpoint, ref.path, { first: page.first, after }));
  }

  /** The digest a tag points at now, by a HEAD (which Docker Hub does not count as a pull). */
  async tagDigest(repository: string, tag: string): Promise<string> {
    const ref = repositoryReference(repository);
    const endpoint = await this.directory.endpointOf(ref.domain);
    return (await this.client.headManifest(endpoint, ref.path, tag)).digest;
  }

  /**
   * The manifest a reference resolves to and, for one platform (the given one, else the
   * default), its config: size, creation time, labels, layers.
   */
  async remoteImage(
    reference: string,
    platformText: string | undefined,
    defaultPlatform: Platform,
  ): Promise<RemoteImageView> {
    const ref = parseReference(reference);
    const wanted = platformText === undefined ? defaultPlatform : platformOf(platformText);
    const endpoint = await this.directory.endpointOf(ref.domain);
    const top = await this.client.manifest(endpoint, ref.path, ref.digest ?? ref.tag ?? 'latest');
    const parsed = parseManifest(top.mediaType, top.bytes, endpoint.name);
    const normalized = `${ref.domain}/${ref.path}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
    if (parsed.kind === 'index') {
      const platforms = parsed.manifests
        .map((entry) => entry.platform)
        .filter((platform): platform is Platform => platform !== undefined && platform.os !== 'unknown');
      const entry = pickPlatform(parsed.manifests, wanted);
      if (!entry) {
        throw new BadUserInputError(
          `${normalized} has no ${formatPlatform(wanted)} image; it has ${platforms.map(formatPlatform).join(', ')}.`,
        );
      }
      const details = await this.imageDetails(endpoint, ref, entry.digest);
      return { reference: normalized, digest: top.digest, mediaType: top.mediaType, platforms, ...details };
    }
    const config = await this.client.jsonBlob(endpoint, ref.path, parsed.manifest.config.digest);
    const summary = summarizeConfig(config);
    return {
      reference: normalized,
      digest: top.digest,
      mediaType: top.mediaType,
      platforms: [summary.platform],
      platform: summary.platform,
      size: sizeOf(parsed.manifest.config, parsed.manifest.layers),
      created: summary.created,
      labels: summary.labels,
      layers: parsed.manifest.layers,
      rateLimit: top.rateLimit,
    };
  }

  private async imageDetails(endpoint: RegistryEndpoint, ref: ImageReference, digest: string) {
    const manifest = await this.client.manifest(endpoint, ref.path, digest);
    const parsed = parseManifest(manifest.mediaType, manifest.bytes, endpoint.name);
    if (parsed.kind !== 'image') {
      throw new BadUserInputError(
        `${digest} in ${ref.path} is an index inside an index, which Stevedore does not read.`,
      );
    }
    const summary = summarizeConfig(
      await this.client.jsonBlob(endpoint, ref.path, parsed.manifest.config.digest),
    );
    return {
      platform: summary.platform,
      size: sizeOf(parsed.manifest.config, parsed.manifest.layers),
      created: summary.created,
      labels: summary.labels,
      layers: parsed.manifest.layers,
      rateLimit: manifest.rateLimit,
    };
  }

  private async checked(registry: KnownRegistry): Promise<KnownRegistry & RegistryCheck> {
    // The entry already says how to reach it: no second read of the directory per registry.
    const endpoint = registryEndpoint(registry.name, {
      insecure: registry.insecure,
      credentials: registry.credentials,
    });
    return { ...registry, ...(await this.client.check(endpoint, this.options.checkTimeoutMs)) };
  }
}

function sizeOf(config: Descriptor, layers: readonly Descriptor[]): number {
  return layers.reduce((sum, layer) => sum + layer.size, config.size);
}

function afterName(page: { first: number; after?: string | null }): string | undefined {
  if (!Number.isInteger(page.first) || page.first < 1 || page.first > MAX_PAGE_SIZE) {
    throw new BadUserInputError(
      `first must be a whole number from 1 to ${MAX_PAGE_SIZE}; got ${page.first}.`,
    );
  }
  if (page.after === undefined || page.after === null) return undefined;
  const key = decodeCursor(page.after);
  if (!key.startsWith(CURSOR_KIND)) throw new BadUserInputError('The cursor is not one of a list of names.');
  return key.slice(CURSOR_KIND.length);
}

function namePage(names: RemoteNames): NamePage {
  const last = names.names.at(-1);
  return {
    nodes: names.names,
    pageInfo: {
      hasNextPage: names.hasNextPage,
      endCursor: last === undefined ? null : encodeCursor(`${CURSOR_KIND}${last}`),
    },
    rateLimit: names.rateLimit,
  };
}

function platformOf(text: string): Platform {
  const platform = parsePlatform(text);
  if (!platform) {
    throw new BadUserInputError(
      `"${text.slice(0, 100)}" is not a platform: write os/architecture[/variant], like linux/arm64/v8.`,
    );
  }
  return platform;
}
