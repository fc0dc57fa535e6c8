import { MEDIA_TYPES } from './media-types.js';
import {
  formatPlatform,
  parseManifest,
  parsePlatform,
  pickPlatform,
  summarizeConfig,
} from './remote-image.js';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

describe('parseManifest', () => {
  it('reads an OCI index with its platforms, attestations included as they are', () => {
    const parsed = parseManifest(
      MEDIA_TYPES.ociIndex,
      json({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: MEDIA_TYPES.ociManifest,
            digest: digest(1),
            size: 10,
            platform: { os: 'linux', architecture: 'amd64' },
          },
          {
            mediaType: MEDIA_TYPES.ociManifest,
            digest: digest(2),
            size: 11,
            platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
          },
          {
            mediaType: MEDIA_TYPES.ociManifest,
            digest: digest(3),
            size: 12,
            platform: { os: 'unknown', architecture: 'unknown' },
          },
        ],
      }),
      'r',
    );
    expect(parsed.kind).toBe('index');
    if (parsed.kind !== 'index') return;
    expect(parsed.manifests.map((entry) => entry.platform && formatPlatform(entry.platform))).toEqual([
      'linux/amd64',
      'linux/arm64/v8',
      'unknown/unknown',
    ]);
  });

  it('reads a Docker schema 2 manifest: config and layers, base first', () => {
    const parsed = parseManifest(
      MEDIA_TYPES.dockerManifest,
      json({
        schemaVersion: 2,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: digest(4), size: 100 },
        layers: [
          { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: digest(5), size: 1000 },
          { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: digest(6), size: 2000 },
        ],
      }),
      'r',
    );
    expect(parsed).toMatchObject({
      kind: 'image',
      manifest: {
        config: { digest: digest(4), size: 100 },
        layers: [{ digest: digest(5) }, { digest: digest(6) }],
      },
    });
  });

  it('refuses what it cannot read with REGISTRY_UNREACHABLE, never a parse error', () => {
    for (const [type, body] of [
      [MEDIA_TYPES.ociIndex, Buffer.from('not json')],
      [MEDIA_TYPES.ociIndex, json({ manifests: 'nope' })],
      [MEDIA_TYPES.dockerManifest, json({ config: {}, layers: [] })],
      ['application/vnd.docker.distribution.manifest.v1+prettyjws', json({})],
    ] as const) {
      expect(() => parseManifest(type, body, 'r')).toThrow(
        expect.objectContaining({ code: 'REGISTRY_UNREACHABLE' }),
      );
    }
  });
});

describe('platforms', () => {
  const entries = [
    {
      digest: digest(1),
      mediaType: '',
      size: 1,
      platform: { os: 'linux', architecture: 'arm', variant: 'v6' },
    },
    {
      digest: digest(2),
      mediaType: '',
      size: 1,
      platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
    },
    { digest: digest(3), mediaType: '', size: 1, platform: { os: 'linux', architecture: 'amd64' } },
  ];

  it('parses os/architecture[/variant] and nothing else', () => {
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform('Linux/AMD64')).toEqual({ os: 'linux', architecture: 'amd64', variant: undefined });
    for (const bad of ['linux', 'linux/', 'a/b/c/d', 'linux/amd 64'])
      expect(parsePlatform(bad)).toBeUndefined();
  });

  it('picks the entry of a platform, the variant when named', () => {
    expect(pickPlatform(entries, { os: 'linux', architecture: 'amd64' })?.digest).toBe(digest(3));
    expect(pickPlatform(entries, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest).toBe(
      digest(2),
    );
    expect(pickPlatform(entries, { os: 'linux', architecture: 'arm' })?.digest).toBe(digest(1));
    expect(pickPlatform(entries, { os: 'windows', architecture: 'amd64' })).toBeUndefined();
  });
});

describe('summarizeConfig', () => {
  it('reads platform, creation time and string labels', () => {
    expect(
      summarizeConfig({
        os: 'linux',
        architecture: 'arm64',
        variant: 'v8',
        created: '2026-01-02T03:04:05Z',
        config: { Labels: { a: '1', b: 2 } },
      }),
    ).toEqual({
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      created: '2026-01-02T03:04:05Z',
      labels: { a: '1' },
    });
    expect(summarizeConfig({ config: null })).toEqual({
      platform: { os: 'unknown', architecture: 'unknown', variant: undefined },
      created: undefined,
      labels: {},
    });
  });
});
