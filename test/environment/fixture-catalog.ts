import type { ConfiguredImageDeclaration, FixtureKey } from './fixture-types.js';

export const FIXTURE_NAMESPACE = 'stevedore-fixtures';

/** A file of the build context: seeded pseudo-random bytes, fixed text, or a copy of a host file. */
export type ContextFile =
  | { name: string; seed: string; bytes: number }
  | { name: string; text: string }
  | { name: string; copyOf: string };

export interface FixtureDefinition {
  key: FixtureKey;
  /** Repository name below the namespace. */
  name: string;
  tags: string[];
  base?: FixtureKey;
  purpose: string;
  files: ContextFile[];
  /** Dockerfile text; `refOf` gives the local ref of another fixture, for FROM. */
  dockerfile(refOf: (key: FixtureKey) => string): string;
}

const MiB = 1024 * 1024;

export const LARGE_LAYER_COUNT = 5;
export const LARGE_LAYER_BYTES = 10 * MiB;

export const BUSYBOX_RELEASE = {
  releaseFile: '/etc/fixture-release',
  releaseText: 'stevedore busybox fixture',
};

export const CONFIGURED_DECLARATION: ConfiguredImageDeclaration = {
  labels: {
    'org.opencontainers.image.title': 'stevedore configured fixture',
    'org.opencontainers.image.version': '1.0.0',
    'com.stevedore.team': 'images',
    'org.stevedore.fixture': 'configured',
  },
  env: ['APP_MODE=test', 'APP_PORT=8080'],
  entrypoint: ['/app/run'],
  cmd: ['--serve', '--verbose'],
  workingDir: '/app',
  user: '1000:1000',
  volumes: ['/cache', '/data'],
  exposedPorts: ['8080/tcp', '9090/udp'],
};

const label = (key: FixtureKey) => `LABEL org.stevedore.fixture=${JSON.stringify(key)}`;

/** In build order: an image comes after the fixture it is built FROM. */
export const FIXTURE_DEFINITIONS: readonly FixtureDefinition[] = [
  {
    key: 'base',
    name: 'base',
    tags: ['1'],
    purpose: 'Two-layer base that appA and appB are built FROM, so they share its layers.',
    files: [
      { name: 'base-1.bin', seed: 'base-1', bytes: 256 * 1024 },
      { name: 'base-2.bin', seed: 'base-2', bytes: 256 * 1024 },
    ],
    dockerfile: () =>
      [
        'FROM scratch',
        'COPY base-1.bin /fixture/base/layer-1.bin',
        'COPY base-2.bin /fixture/base/layer-2.bin',
        label('base'),
      ].join('\n'),
  },
  ...(['a', 'b'] as const).map((letter): FixtureDefinition => ({
    key: letter === 'a' ? 'appA' : 'appB',
    name: `app-${letter}`,
    tags: ['1'],
    base: 'base',
    purpose: `The base fixture plus one layer of its own (shares two layers with app-${letter === 'a' ? 'b' : 'a'}).`,
    files: [{ name: 'app.bin', seed: `app-${letter}`, bytes: 128 * 1024 }],
    dockerfile: (refOf) =>
      [
        `FROM ${refOf('base')}`,
        `COPY app.bin /fixture/app-${letter}/app.bin`,
        label(letter === 'a' ? 'appA' : 'appB'),
      ].join('\n'),
  })),
  {
    key: 'multiTag',
    name: 'multi-tag',
    tags: ['1.0', '1', 'latest'],
    purpose: 'One image id under three tags.',
    files: [{ name: 'data.bin', seed: 'multi-tag', bytes: 64 * 1024 }],
    dockerfile: () =>
      ['FROM scratch', 'COPY data.bin /fixture/multi-tag/data.bin', label('multiTag')].join('\n'),
  },
  {
    key: 'configured',
    name: 'configured',
    tags: ['1'],
    purpose:
      'Declares labels, env, entrypoint, cmd, workdir, user, volumes and exposed ports (not runnable).',
    files: [{ name: 'config.txt', text: 'mode=test\n' }],
    dockerfile: () => configuredDockerfile(CONFIGURED_DECLARATION),
  },
  {
    key: 'busybox',
    name: 'busybox',
    tags: ['1'],
    purpose: 'Runnable: static busybox with applet links in /bin, built with a RUN step.',
    files: [{ name: 'busybox', copyOf: '/bin/busybox' }],
    dockerfile: () => {
      const script = [
        '/bin/busybox --install -s /bin',
        '/bin/busybox mkdir -p /etc /tmp',
        `echo '${BUSYBOX_RELEASE.releaseText}' > ${BUSYBOX_RELEASE.releaseFile}`,
      ].join(' && ');
      return [
        'FROM scratch',
        'COPY busybox /bin/busybox',
        `RUN ${JSON.stringify(['/bin/busybox', 'sh', '-c', script])}`,
        label('busybox'),
        'CMD ["sh"]',
      ].join('\n');
    },
  },
  {
    key: 'large',
    name: 'large',
    tags: ['1'],
    purpose: `${LARGE_LAYER_COUNT} layers of ${LARGE_LAYER_BYTES / MiB} MiB incompressible data, for pull/push progress.`,
    files: Array.from({ length: LARGE_LAYER_COUNT }, (_, i) => ({
      name: `layer-${i + 1}.bin`,
      seed: `large-${i + 1}`,
      bytes: LARGE_LAYER_BYTES,
    })),
    dockerfile: () =>
      [
        'FROM scratch',
        ...Array.from(
          { length: LARGE_LAYER_COUNT },
          (_, i) => `COPY layer-${i + 1}.bin /fixture/large/layer-${i + 1}.bin`,
        ),
        label('large'),
      ].join('\n'),
  },
];

function configuredDockerfile(declared: ConfiguredImageDeclaration): string {
  const json = (value: unknown) => JSON.stringify(value);
  return [
    'FROM scratch',
    'COPY config.txt /app/config.txt',
    `LABEL ${Object.entries(declared.labels)
      .map(([key, value]) => `${key}=${json(value)}`)
      .join(' ')}`,
    `ENV ${declared.env.join(' ')}`,
    `WORKDIR ${declared.workingDir}`,
    `USER ${declared.user}`,
    `VOLUME ${json(declared.volumes)}`,
    `EXPOSE ${declared.exposedPorts.join(' ')}`,
    `ENTRYPOINT ${json(declared.entrypoint)}`,
    `CMD ${json(declared.cmd)}`,
  ].join('\n');
}
