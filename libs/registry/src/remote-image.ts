import { RegistryUnreachableError } from '#libs/errors';
import { isImageManifest, isIndex } from './media-types.js';

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/** One entry of an index: a platform's manifest. */
export interface IndexEntry {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly platform?: Platform;
}

export interface Descriptor {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

/** An image manifest: its config blob and its layers, base first. */
export interface ImageManifest {
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
}

export type ParsedManifest =
  | { readonly kind: 'index'; readonly manifests: readonly IndexEntry[] }
  | { readonly kind: 'image'; readonly manifest: ImageManifest };

/** What an image's config blob tells without pulling. */
export interface ImageConfigSummary {
  readonly platform: Platform;
  readonly created?: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A Docker schema 2 or OCI manifest or index, as the registry's media type says it is. */
export function parseManifest(mediaType: string, bytes: Buffer, registry: string): ParsedManifest {
  const unreadable = () =>
    new RegistryUnreachableError(
      `The registry ${registry} answered a manifest Stevedore cannot read (${mediaType}).`,
    );
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw unreadable();
  }
  if (isIndex(mediaType)) {
    if (!Array.isArray(body.manifests)) throw unreadable();
    return { kind: 'index', manifests: body.manifests.map((entry) => indexEntry(entry, unreadable)) };
  }
  if (isImageManifest(mediaType)) {
    if (!Array.isArray(body.layers)) throw unreadable();
    return {
      kind: 'image',
      manifest: {
        config: descriptor(body.config, unreadable),
        layers: body.layers.map((layer) => descriptor(layer, unreadable)),
      },
    };
  }
  throw unreadable();
}

/** `linux/arm64/v8` → its parts; undefined for a string that is not os/architecture[/variant]. */
export function parsePlatform(text: string): Platform | undefined {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => !/^[a-z0-9_.-]+$/i.test(part))) {
    return undefined;
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return { os: os.toLowerCase(), architecture: architecture.toLowerCase(), variant: variant?.toLowerCase() };
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/**
 * The entry of an index for a platform, as containerd's matcher picks it: same os and
 * architecture, and the variant when the wanted one names it. Attestation manifests
 * (`unknown/unknown`) are never picked.
 */
export function pickPlatform(entries: readonly IndexEntry[], wanted: Platform): IndexEntry | undefined {
  const candidates = entries.filter(
    (entry) =>
      entry.platform?.os === wanted.os &&
      entry.platform.architecture === wanted.architecture &&
      (wanted.variant === undefined || entry.platform.variant === wanted.variant),
  );
  return candidates.find((entry) => entry.platform?.variant === wanted.variant) ?? candidates[0];
}

/** The platform, creation time and labels of an image config (OCI image-spec `config.json`). */
export function summarizeConfig(config: unknown): ImageConfigSummary {
  const body = (config ?? {}) as {
    os?: unknown;
    architecture?: unknown;
    variant?: unknown;
    created?: unknown;
    config?: { Labels?: unknown } | null;
  };
  const labels = body.config?.Labels;
  return {
    platform: {
      os: typeof body.os === 'string' ? body.os : 'unknown',
      architecture: typeof body.architecture === 'string' ? body.architecture : 'unknown',
      variant: typeof body.variant === 'string' && body.variant !== '' ? body.variant : undefined,
    },
    created: typeof body.created === 'string' ? body.created : undefined,
    labels:
      labels && typeof labels === 'object'
        ? Object.fromEntries(Object.entries(labels).filter(([, value]) => typeof value === 'string'))
        : {},
  };
}

function indexEntry(value: unknown, unreadable: () => Error): IndexEntry {
  const entry = value as { platform?: Record<string, unknown> };
  const base = descriptor(value, unreadable);
  const platform = entry.platform;
  return {
    ...base,
    platform:
      platform && typeof platform.os === 'string' && typeof platform.architecture === 'string'
        ? {
            os: platform.os,
            architecture: platform.architecture,
            variant: typeof platform.variant === 'string' ? platform.variant : undefined,
          }
        : undefined,
  };
}

function descriptor(value: unknown, unreadable: () => Error): Descriptor {
  const body = value as { digest?: unknown; mediaType?: unknown; size?: unknown } | null;
  if (!body || typeof body.digest !== 'string' || typeof body.size !== 'number') throw unreadable();
  return {
    digest: body.digest,
    mediaType: typeof body.mediaType === 'string' ? body.mediaType : '',
    size: body.size,
  };
}
