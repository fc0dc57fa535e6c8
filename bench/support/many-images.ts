import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { runDocker } from '../../test/environment/index.js';
import type { TestEnvironment } from '../../test/environment/index.js';
import { tarArchive, type TarEntry } from './ustar.js';

/**
 * Many small local images, made in one `docker load`: a `docker save` archive (image spec v1.2:
 * manifest.json with {Config, RepoTags, Layers}, one config JSON per image, one folder per layer)
 * generated in memory. Contents, configs and therefore image ids are the same on every run.
 *
 * Image i has 2 or 3 layers: the base layer all images share, "group" layer i % layerGroups
 * (shared by images/layerGroups images), and for `ownLayers` of the images, spread evenly, a small
 * layer of its own. Distinct configs make every image a distinct id, however many layers repeat.
 *
 * Cost: `docker load` applies each distinct layer once, ~0.1 s a layer with dockerd 20.10 on vfs
 * on the 2-core machine, while images and tags are cheap; so the load time follows the distinct
 * layers (1 + layerGroups + ownLayers). Measured for 1000 images: one layer of its own each (1001
 * layers) 96 s; all on the same 2 layers 5.7 s; the defaults (151 layers) 19-24 s.
 */

export interface ManyImagesOptions {
  /** Distinct images (image ids); default 1000. */
  readonly images?: number;
  /** Tags per image, each a row of `docker image ls`; default 1. */
  readonly tagsPerImage?: number;
  /** Distinct middle layers, each shared by images/layerGroups images; default 50. */
  readonly layerGroups?: number;
  /** Images that also get a layer of their own (so a non-zero unique size); default 100. */
  readonly ownLayers?: number;
  /** Repository prefix; image i is `<prefix>-<i>:<tag>`. Default `stevedore-bench/app`. */
  readonly repositoryPrefix?: string;
  readonly log?: (line: string) => void;
}

export interface GeneratedImage {
  /** `sha256:<hex>` of the config JSON, as the daemon will name it. */
  readonly id: string;
  readonly repoTags: readonly string[];
  /** Diff ids, base first. */
  readonly diffIds: readonly string[];
}

export interface ImageArchive {
  readonly archive: Buffer;
  readonly images: readonly GeneratedImage[];
  /** Diff id of the layer every image shares. */
  readonly baseDiffId: string;
  /** Distinct layers in the archive: what the daemon has to apply. */
  readonly distinctLayers: number;
}

export interface ManyImagesResult {
  readonly images: readonly GeneratedImage[];
  /** Rows `docker image ls` printed afterwards (all local images, not only ours). */
  readonly imageListRows: number;
  /** Distinct image ids among those rows. */
  readonly distinctImageIds: number;
  readonly distinctLayers: number;
  readonly archiveBytes: number;
  readonly generateMs: number;
  readonly loadMs: number;
}

/** The images a bench loaded, as its report states them (a report may add more). */
export interface LoadedImages {
  /** Distinct image ids on the daemon. */
  readonly distinct: number;
  readonly distinctLayers: number;
  /** The `docker load`, in seconds. */
  readonly loadSeconds: number;
}

export const BENCH_LABEL = 'org.stevedore.bench';
export const DEFAULT_LAYER_GROUPS = 50;
export const DEFAULT_OWN_LAYERS = 100;

/** Builds the archive only (no daemon): deterministic for the same options. */
export function buildImageArchive(options: ManyImagesOptions = {}): ImageArchive {
  const count = options.images ?? 1000;
  const tagsPerImage = options.tagsPerImage ?? 1;
  const prefix = options.repositoryPrefix ?? 'stevedore-bench/app';
  const groups = options.layerGroups ?? DEFAULT_LAYER_GROUPS;
  const ownLayers = options.ownLayers ?? DEFAULT_OWN_LAYERS;
  // Spread the images with a layer of their own evenly over the indexes.
  const hasOwnLayer = (index: number) =>
    ownLayers > 0 && Math.floor(((index + 1) * ownLayers) / count) > Math.floor((index * ownLayers) / count);
  if (!Number.isInteger(count) || count < 1) throw new Error(`images must be a positive integer: ${count}`);
  for (const [name, value, min, max] of [
    ['tagsPerImage', tagsPerImage, 1, 1000],
    ['layerGroups', groups, 1, count],
    ['ownLayers', ownLayers, 0, count],
  ] as const) {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${name} must be a whole number from ${min} to ${max}: ${value}`);
    }
  }

  const entries: TarEntry[] = [];
  const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const images: GeneratedImage[] = [];

  const baseLayer = tarArchive([
    { name: 'etc/' },
    { name: 'etc/os-release', data: 'NAME="stevedore bench"\nID=stevedore-bench\nVERSION_ID=1\n' },
    { name: 'bin/' },
    { name: 'bin/run', data: '#!/bin/sh\necho "stevedore bench image $1"\n', mode: 0o755 },
  ]);
  const baseDiffHex = sha256Hex(baseLayer);
  const baseLayerPath = addLayer(entries, baseDiffHex, baseLayer);
  const baseCreated = new Date(Date.UTC(2024, 0, 1)).toISOString();

  const width = String(count - 1).length;
  const groupLayers = Array.from({ length: groups }, (_, group) => {
    const layer = tarArchive([
      { name: 'lib/' },
      { name: `lib/group-${group}.bin`, data: pseudoRandomBytes(`group-${group}`, layerBytes(group)) },
    ]);
    const diffHex = sha256Hex(layer);
    return {
      diffHex,
      path: addLayer(entries, diffHex, layer),
      createdBy: `ADD file:group-${group}.bin in /lib/`,
    };
  });
  for (let index = 0; index < count; index += 1) {
    const number = String(index).padStart(width, '0');
    const layers = [
      { diffHex: baseDiffHex, path: baseLayerPath, createdBy: 'ADD file:stevedore-bench-base in /' },
    ];
    layers.push(groupLayers[index % groups]!);
    if (hasOwnLayer(index)) {
      const layer = tarArchive([
        { name: 'app/' },
        { name: `app/image-${number}.bin`, data: pseudoRandomBytes(`image-${index}`, layerBytes(index)) },
      ]);
      const diffHex = sha256Hex(layer);
      layers.push({
        diffHex,
        path: addLayer(entries, diffHex, layer),
        createdBy: `COPY file:image-${number}.bin in /app/`,
      });
    }
    // One minute apart, so "newest first" is a strict order (index count-1 first).
    const created = new Date(Date.UTC(2024, 0, 2) + index * 60_000).toISOString();
    const diffIds = layers.map((layer) => `sha256:${layer.diffHex}`);
    const config = {
      architecture: 'amd64',
      os: 'linux',
      created,
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `BENCH_INDEX=${index}`],
        Cmd: ['/bin/run', number],
        WorkingDir: '/app',
        Labels: { [BENCH_LABEL]: 'true', [`${BENCH_LABEL}.index`]: String(index) },
      },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: layers.map((layer, position) => ({
        created: position === 0 ? baseCreated : created,
        created_by: `/bin/sh -c #(nop) ${layer.createdBy} `,
      })),
    };
    const configJson = Buffer.from(JSON.stringify(config));
    const configHex = sha256Hex(configJson);
    entries.push({ name: `${configHex}.json`, data: configJson });
    const repoTags = Array.from({ length: tagsPerImage }, (_, tag) =>
      tag === 0 ? `${prefix}-${number}:latest` : `${prefix}-${number}:1.${tag}`,
    );
    manifest.push({
      Config: `${configHex}.json`,
      RepoTags: repoTags,
      Layers: layers.map((layer) => layer.path),
    });
    images.push({ id: `sha256:${configHex}`, repoTags, diffIds });
  }
  entries.push({ name: 'manifest.json', data: JSON.stringify(manifest) });
  return {
    archive: tarArchive(entries),
    images,
    baseDiffId: `sha256:${baseDiffHex}`,
    distinctLayers: entries.filter((entry) => entry.name.endsWith('/layer.tar')).length,
  };
}

/**
 * Generates the archive, loads it into the environment's daemon with one `docker load`, and
 * counts `docker image ls` rows. Throws when any generated image id is missing afterwards.
 */
export async function createManyImages(
  env: Pick<TestEnvironment, 'docker' | 'dockerConfigDir' | 'tmpDir'>,
  options: ManyImagesOptions = {},
): Promise<ManyImagesResult> {
  const log = options.log;
  const generateStarted = performance.now();
  const { archive, images, distinctLayers } = buildImageArchive(options);
  const file = join(env.tmpDir, 'bench-images.tar');
  writeFileSync(file, archive);
  const generateMs = performance.now() - generateStarted;
  log?.(
    `generated ${images.length} images (${images.length * (options.tagsPerImage ?? 1)} tags, ` +
      `${distinctLayers} distinct layers), ` +
      `${(archive.length / 1024 / 1024).toFixed(1)} MiB archive in ${(generateMs / 1000).toFixed(1)}s`,
  );

  const loadStarted = performance.now();
  await runDocker(env, ['load', '--quiet', '--input', file], { timeoutMs: 900_000 });
  const loadMs = performance.now() - loadStarted;
  log?.(`docker load took ${(loadMs / 1000).toFixed(1)}s`);

  const { stdout } = await runDocker(env, ['image', 'ls', '--no-trunc', '--format', '{{.ID}}']);
  const ids = stdout.split('\n').filter((line) => line.trim() !== '');
  const present = new Set(ids);
  const missing = images.filter((image) => !present.has(image.id));
  if (missing.length > 0) {
    throw new Error(
      `${missing.length} generated images are missing after docker load, e.g. ${missing[0]!.id}`,
    );
  }
  return {
    images,
    imageListRows: ids.length,
    distinctImageIds: present.size,
    distinctLayers,
    archiveBytes: archive.length,
    generateMs,
    loadMs,
  };
}

/** Adds `<diff hex>/layer.tar` (once) and returns its path in the archive. */
function addLayer(entries: TarEntry[], diffHex: string, layer: Buffer): string {
  const path = `${diffHex}/layer.tar`;
  entries.push({ name: `${diffHex}/` }, { name: path, data: layer });
  return path;
}

/** 256 B to 4 KiB, varying with the index, so images differ in size. */
function layerBytes(index: number): number {
  return (((index * 37) % 16) + 1) * 256;
}

/** Deterministic bytes: a SHA-256 counter stream seeded by `seed`. */
function pseudoRandomBytes(seed: string, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * 32 < length; counter += 1) {
    blocks.push(createHash('sha256').update(`${seed}:${counter}`).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * `createManyImages` with what a bench's settings ask for; progress goes to `log` as
 * `images: …` lines, then a line with what `docker image ls` shows.
 */
export async function createBenchImages(
  env: Pick<TestEnvironment, 'docker' | 'dockerConfigDir' | 'tmpDir'>,
  settings: Pick<ManyImagesOptions, 'images' | 'tagsPerImage' | 'layerGroups' | 'ownLayers'>,
  log: (line: string) => void,
): Promise<ManyImagesResult> {
  const result = await createManyImages(env, {
    images: settings.images,
    tagsPerImage: settings.tagsPerImage,
    layerGroups: settings.layerGroups,
    ownLayers: settings.ownLayers,
    log: (line) => log(`images: ${line}`),
  });
  log(`docker image ls: ${result.imageListRows} rows, ${result.distinctImageIds} distinct ids`);
  return result;
}
