/** The manifest formats the client reads, and what each one is. */
export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

/** Every manifest kind at once: the registry answers what it holds, as it holds it. */
export const MANIFEST_ACCEPT = Object.values(MEDIA_TYPES).join(', ');

/** Whether a media type is a list of manifests (one per platform) rather than one image. */
export function isIndex(mediaType: string): boolean {
  return mediaType === MEDIA_TYPES.dockerManifestList || mediaType === MEDIA_TYPES.ociIndex;
}

export function isImageManifest(mediaType: string): boolean {
  return mediaType === MEDIA_TYPES.dockerManifest || mediaType === MEDIA_TYPES.ociManifest;
}
