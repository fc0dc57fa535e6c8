import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { runDocker } from './docker-cli.js';
import {
  BUSYBOX_RELEASE,
  CONFIGURED_DECLARATION,
  type ContextFile,
  FIXTURE_DEFINITIONS,
  FIXTURE_NAMESPACE,
  type FixtureDefinition,
  LARGE_LAYER_BYTES,
  LARGE_LAYER_COUNT,
} from './fixture-catalog.js';
import type {
  FixtureImage,
  FixtureIndex,
  FixtureKey,
  FixturePlatformEntry,
  FixtureRegistryCopy,
  Fixtures,
} from './fixture-types.js';
import { limitConcurrency } from './limit-concurrency.js';
import { timed } from './progress.js';
import { seededBytes } from './seeded-random.js';
import type { RegistryInfo, TestEnvironment } from './types.js';

export interface BuildFixturesOptions {
  log?: (line: string) => void;
  /** Parallel `docker build`s / `docker push`es; the daemon does the work, so 2 suits a 2-core CI box. */
  concurrency?: number;
}

/**
 * Builds every fixture image with the environment's daemon (legacy builder, contexts generated in
 * `<tmpDir>/fixtures`), pushes every tag to both registries, then removes the registry-qualified
 * references again so that only the plain `stevedore-fixtures/...` refs exist locally.
 */
export async function buildFixtures(
  env: TestEnvironment,
  options: BuildFixturesOptions = {},
): Promise<Fixtures> {
  const { log } = options;
  const limit = limitConcurrency(options.concurrency ?? 2);
  const contextRoot = join(env.tmpDir, 'fixtures');
  await timed(log, 'fixture build contexts written', async () => {
    for (const definition of FIXTURE_DEFINITIONS) {
      writeContext(join(contextRoot, definition.name), definition);
    }
  });

  await timed(log, `${FIXTURE_DEFINITIONS.length} fixture images built`, async () => {
    const built = new Map<FixtureKey, Promise<void>>();
    for (const definition of FIXTURE_DEFINITIONS) {
      const base = definition.base === undefined ? Promise.resolve() : built.get(definition.base);
      if (base === undefined) {
        throw new Error(`fixture ${definition.key} is listed before its base ${definition.base}`);
      }
      built.set(
        definition.key,
        base.then(() => limit(() => buildImage(env, definition, join(contextRoot, definition.name)))),
      );
    }
    await Promise.all(built.values());
  });

  const registries = { open: env.registries.open, auth: env.registries.auth };
  const digests = await timed(log, 'fixtures pushed to both registries', async () => {
    const pushes = FIXTURE_DEFINITIONS.flatMap((definition) =>
      (['open', 'auth'] as const).map(async (which) => {
        const digest = await limit(() => pushImage(env, definition, registries[which]));
        return { key: definition.key, which, digest };
      }),
    );
    return Promise.all(pushes);
  });
  const digestOf = (key: FixtureKey, which: 'open' | 'auth') =>
    digests.find((d) => d.key === key && d.which === which)?.digest ?? '';

  const images = await inspectImages(env);
  const entries = FIXTURE_DEFINITIONS.map((definition): [FixtureKey, FixtureImage] => {
    const local = images.get(localRef(definition));
    if (local === undefined) throw new Error(`fixture ${localRef(definition)} is missing after the build`);
    const repository = `${FIXTURE_NAMESPACE}/${definition.name}`;
    return [
      definition.key,
      {
        key: definition.key,
        repository,
        tags: [...definition.tags],
        ref: localRef(definition),
        refs: definition.tags.map((tag) => `${repository}:${tag}`),
        id: local.Id,
        layers: local.RootFS.Layers ?? [],
        size: local.Size,
        ...(definition.base === undefined ? {} : { base: definition.base }),
        purpose: definition.purpose,
        registries: {
          open: registryCopy(registries.open, definition, digestOf(definition.key, 'open')),
          auth: registryCopy(registries.auth, definition, digestOf(definition.key, 'auth')),
        },
      },
    ];
  });
  const fixtureImages = Object.fromEntries(entries) as Record<FixtureKey, FixtureImage>;
  const multiPlatform = await timed(log, 'multi-platform index pushed', () =>
    pushMultiPlatformIndex(env, fixtureImages),
  );
  const fixtures: Fixtures = {
    namespace: FIXTURE_NAMESPACE,
    images: fixtureImages,
    configured: CONFIGURED_DECLARATION,
    large: { layerCount: LARGE_LAYER_COUNT, bytesPerLayer: LARGE_LAYER_BYTES },
    multiPlatform,
    busybox: BUSYBOX_RELEASE,
  };
  await timed(log, 'registry-qualified refs removed locally', () => removeRegistryRefs(env, fixtures));
  return fixtures;
}

function localRef(definition: FixtureDefinition): string {
  return `${FIXTURE_NAMESPACE}/${definition.name}:${definition.tags[0]}`;
}

function refOf(key: FixtureKey): string {
  const definition = FIXTURE_DEFINITIONS.find((d) => d.key === key);
  if (definition === undefined) throw new Error(`no fixture ${key}`);
  return localRef(definition);
}

function writeContext(dir: string, definition: FixtureDefinition): void {
  mkdirSync(dir, { recursive: true });
  const files: ContextFile[] = [
    ...definition.files,
    { name: 'Dockerfile', text: `${definition.dockerfile(refOf)}\n` },
  ];
  for (const file of files) {
    const path = join(dir, file.name);
    if ('copyOf' in file) copyFileSync(file.copyOf, path);
    else writeFileSync(path, 'seed' in file ? seededBytes(file.seed, file.bytes) : file.text);
  }
}

async function buildImage(
  env: TestEnvironment,
  definition: FixtureDefinition,
  context: string,
): Promise<void> {
  const tags = definition.tags.flatMap((tag) => ['--tag', `${FIXTURE_NAMESPACE}/${definition.name}:${tag}`]);
  // No network: RUN steps need none, and the isolated daemon has no bridge to give them.
  const args = [
    'build',
    '--network=none',
    '--force-rm',
    '--file',
    join(context, 'Dockerfile'),
    ...tags,
    context,
  ];
  await runDocker(env, args, { timeoutMs: 300_000 });
}

/** Pushes every tag of the image; returns the manifest digest the registry reported. */
async function pushImage(
  env: TestEnvironment,
  definition: FixtureDefinition,
  registry: RegistryInfo,
): Promise<string> {
  let digest: string | undefined;
  for (const tag of definition.tags) {
    const target = `${registry.host}/${FIXTURE_NAMESPACE}/${definition.name}:${tag}`;
    await runDocker(env, ['tag', localRef(definition), target]);
    const { stdout } = await runDocker(env, ['push', target], { timeoutMs: 300_000 });
    // The last line reads "<tag>: digest: sha256:… size: N".
    digest = /digest: (sha256:[0-9a-f]{64})/.exec(stdout)?.[1];
    if (digest === undefined) throw new Error(`docker push ${target} reported no digest:\n${stdout}`);
  }
  if (digest === undefined) throw new Error(`fixture ${definition.key} has no tags`);
  return digest;
}

/**
 * `docker manifest create`, `annotate` and `push --insecure`: a manifest list in the open registry
 * of appA as linux/amd64 and appB as linux/arm64/v8. Annotating sets the platform an entry claims;
 * both images were built here, for this machine's architecture, which nothing below reads.
 */
async function pushMultiPlatformIndex(
  env: TestEnvironment,
  images: Record<FixtureKey, FixtureImage>,
): Promise<FixtureIndex> {
  const repository = `${env.registries.open.host}/${FIXTURE_NAMESPACE}/multi-platform`;
  const ref = `${repository}:1`;
  const platforms: FixturePlatformEntry[] = [
    { image: 'appA', digest: images.appA.registries.open.digest, os: 'linux', architecture: 'amd64' },
    {
      image: 'appB',
      digest: images.appB.registries.open.digest,
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    },
  ];
  const entryRef = (entry: FixturePlatformEntry) => images[entry.image].registries.open.digestRef;
  await runDocker(env, ['manifest', 'create', '--insecure', ref, ...platforms.map(entryRef)]);
  for (const entry of platforms) {
    const platform = ['--os', entry.os, '--arch', entry.architecture];
    if (entry.variant) platform.push('--variant', entry.variant);
    await runDocker(env, ['manifest', 'annotate', ...platform, ref, entryRef(entry)]);
  }
  // --purge: the CLI's local copy of the list (in DOCKER_CONFIG) goes once it is pushed.
  const { stdout } = await runDocker(env, ['manifest', 'push', '--insecure', '--purge', ref], {
    timeoutMs: 120_000,
  });
  // "Pushed ref …" per entry, then the list's own digest alone on the last line.
  const digest = /^(sha256:[0-9a-f]{64})$/.exec(stdout.trim().split('\n').at(-1) ?? '')?.[1];
  if (digest === undefined) throw new Error(`docker manifest push ${ref} reported no digest:\n${stdout}`);
  return {
    repository,
    ref,
    digest,
    mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
    platforms,
  };
}

function registryCopy(
  registry: RegistryInfo,
  definition: FixtureDefinition,
  digest: string,
): FixtureRegistryCopy {
  const repository = `${registry.host}/${FIXTURE_NAMESPACE}/${definition.name}`;
  const refs = definition.tags.map((tag) => `${repository}:${tag}`);
  return { repository, refs, ref: refs[0] ?? repository, digest, digestRef: `${repository}@${digest}` };
}

interface InspectedImage {
  Id: string;
  RepoTags: string[] | null;
  RootFS: { Layers?: string[] };
  Size: number;
}

async function inspectImages(env: TestEnvironment): Promise<Map<string, InspectedImage>> {
  const refs = FIXTURE_DEFINITIONS.map(localRef);
  const { stdout } = await runDocker(env, ['image', 'inspect', ...refs]);
  const inspected = JSON.parse(stdout) as InspectedImage[];
  return new Map(refs.map((ref, i) => [ref, inspected[i] as InspectedImage]));
}

/**
 * Pushing leaves `<registry>/…:tag` and `<registry>/…@digest` references on the local images;
 * without them `docker image ls` shows only the plain fixture refs, and a test's pull of a
 * registry ref creates that reference anew.
 */
async function removeRegistryRefs(env: TestEnvironment, fixtures: Fixtures): Promise<void> {
  const copies = Object.values(fixtures.images).flatMap((image) => [
    image.registries.open,
    image.registries.auth,
  ]);
  const tagged = copies.flatMap((copy) => copy.refs);
  await runDocker(env, ['image', 'rm', ...tagged]);
  const { stdout } = await runDocker(env, [
    'image',
    'ls',
    '--digests',
    '--format',
    '{{.Repository}}@{{.Digest}}',
  ]);
  const left = new Set(stdout.split('\n'));
  const digested = copies.map((copy) => copy.digestRef).filter((ref) => left.has(ref));
  if (digested.length > 0) await runDocker(env, ['image', 'rm', ...new Set(digested)]);
  // Checked here, the one moment no test can have pulled anything yet.
  const hosts = [fixtures.images.base.registries.open, fixtures.images.base.registries.auth].map(
    (copy) => `${copy.repository.split('/')[0]}/`,
  );
  const { stdout: after } = await runDocker(env, ['image', 'ls', '--digests', '--format', '{{.Repository}}']);
  const stray = after.split('\n').filter((repository) => hosts.some((host) => repository.startsWith(host)));
  if (stray.length > 0) throw new Error(`registry-qualified refs left after removal: ${stray.join(', ')}`);
}
