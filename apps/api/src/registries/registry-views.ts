import type { EngineSearchResult } from '#libs/docker';
import type { KnownRegistry, NamePage, RegistryCheck, RemoteImageView } from '#libs/registry';
import type { SearchResult } from './models/search-result.model.js';
import type { Registry, RemoteTag, Repository } from './models/registry.model.js';
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

export function repositoriesView(
  registry: string,
  page: NamePage,
): { nodes: Repository[]; pageInfo: NamePage['pageInfo'] } {
  return {
    nodes: page.nodes.map((path) => ({
      name: registry === 'docker.io' ? `docker.io/${path}` : `${registry}/${path}`,
    })),
    pageInfo: { ...page.pageInfo },
  };
}

export function tagsView(
  repository: string,
  page: NamePage,
): { nodes: RemoteTag[]; pageInfo: NamePage['pageInfo'] } {
  return { nodes: page.nodes.map((name) => ({ name, repository })), pageInfo: { ...page.pageInfo } };
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
  };
}

export function searchResultView(result: EngineSearchResult): SearchResult {
  return { ...result, description: result.description === '' ? null : result.description };
}
