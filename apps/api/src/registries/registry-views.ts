import type { EngineSearchResult } from '#libs/docker';
import type {
  KnownRegistry,
  NamePage,
  RegistryCheck,
  RegistryRateLimit as RegistryRateLimitInfo,
  RemoteImageView,
} from '#libs/registry';
import type { SearchResult } from './models/search-result.model.js';
import type {
  Registry,
  RegistryRateLimit,
  RemoteTagConnection,
  RepositoryConnection,
} from './models/registry.model.js';
import type { RemoteImage } from './models/remote-image.model.js';

/** The view of a known, checked registry: never its credentials. */
export function registryView(registry: KnownRegistry & RegistryCheck): Registry {
  return {
    name: registry.name,
    source: registry.source,
    authenticated: registry.authenticated,
    reachable: registry.reachable,
    insecure: registry.insecure,
  };
}

export function repositoriesView(registry: string, page: NamePage): RepositoryConnection {
  return {
    nodes: page.nodes.map((path) => ({
      name: registry === 'docker.io' ? `docker.io/${path}` : `${registry}/${path}`,
    })),
    pageInfo: { ...page.pageInfo },
    rateLimit: rateLimitView(page.rateLimit),
  };
}

export function tagsView(repository: string, page: NamePage): RemoteTagConnection {
  return {
    nodes: page.nodes.map((name) => ({ name, repository })),
    pageInfo: { ...page.pageInfo },
    rateLimit: rateLimitView(page.rateLimit),
  };
}

export function remoteImageView(image: RemoteImageView): RemoteImage {
  const platform = (p: RemoteImageView['platform']) => ({
    os: p.os,
    architecture: p.architecture,
    variant: p.variant ?? null,
  });
  return {
    reference: image.reference,
    digest: image.digest,
    mediaType: image.mediaType,
    platforms: image.platforms.map(platform),
    platform: platform(image.platform),
    size: image.size,
    created: image.created ? new Date(image.created) : null,
    labels: { ...image.labels },
    layers: image.layers.map((layer) => ({
      digest: layer.digest,
      mediaType: layer.mediaType,
      size: layer.size,
    })),
    rateLimit: rateLimitView(image.rateLimit),
  };
}

export function searchResultView(result: EngineSearchResult): SearchResult {
  return { ...result, description: result.description === '' ? null : result.description };
}

function rateLimitView(limit: RegistryRateLimitInfo | undefined): RegistryRateLimit | null {
  return limit
    ? { limit: limit.limit, remaining: limit.remaining, windowSeconds: limit.windowSeconds ?? null }
    : null;
}
