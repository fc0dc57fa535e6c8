/**
 * One process of the fleet simulation (bench/fleet.bench.ts): SIM_COUNT hosts, each an agent as
 * `apps/agent` runs one (a LiveCatalogue, a CataloguePublisher, registration and heartbeats),
 * whose engine is the fake engine of the catalogue's unit tests with SIM_IMAGES images drawn
 * from a pool the whole fleet shares. Started with `fork`; talks to the bench over IPC:
 *
 *   → { ready: hosts }                         once every host has published its first version
 *   ← { change: host, tag }                    adds a tag to one image of the host (with its event)
 *   → { changed: host, tag, publishAt }        when the version showing it is being published
 *                                              (publishAt: performance.timeOrigin + now(), ms)
 */
import { Logger } from '@nestjs/common';
import { LiveCatalogue } from '#libs/catalogue';
import type { StevedoreConfig } from '#libs/config';
import {
  CataloguePublisher,
  FleetKeys,
  RedisHostCatalogueStore,
  RedisHostDirectory,
  type CataloguePublication,
} from '#libs/fleet';
import {
  digestOf,
  FakeDockerEngine,
  imageEvent,
  type FakeImageSpec,
} from '../../libs/catalogue/src/testing/fake-docker-engine.js';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const redisUrl = env('SIM_REDIS_URL');
const keys = new FleetKeys(env('SIM_PREFIX'));
const first = Number(env('SIM_FIRST'));
const count = Number(env('SIM_COUNT'));
const imagesPerHost = Number(env('SIM_IMAGES', '100'));
const poolSize = Number(env('SIM_POOL', '400'));
const heartbeatMs = Number(env('SIM_HEARTBEAT_MS', '5000'));

Logger.overrideLogger(['error']);

/** Host i's name, as the bench names it too. */
export const simHostName = (index: number) => `sim-${String(index).padStart(4, '0')}`;

/** A deterministic pseudo-random sequence (mulberry32), so every run simulates the same fleet. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The pool: images built on 20 shared bases, 2–5 layers of their own, one tag each. */
function poolImage(index: number): FakeImageSpec {
  const next = random(index + 1);
  const base = index % 20;
  const own = 2 + Math.floor(next() * 4);
  const hex = (value: number) => value.toString(16).padStart(6, '0');
  return {
    id: digestOf(`${hex(index)}a1`),
    repoTags: [`registry.example/team-${index % 13}/app-${index}:1.${index % 7}`],
    created: 1_700_000_000 + index,
    labels: { 'org.example.team': `team-${index % 13}` },
    layers: [
      { diffId: digestOf(`${hex(base)}b0`), size: 30_000_000 },
      ...Array.from({ length: own }, (_, layer) => ({
        diffId: digestOf(`${hex(index)}c${layer}`),
        size: 1_000_000 + Math.floor(next() * 20_000_000),
      })),
    ],
  };
}

const config = { catalogue: { resyncMs: 3_600_000 } } as StevedoreConfig;
const store = new RedisHostCatalogueStore(redisUrl, keys);
const directory = new RedisHostDirectory(redisUrl, keys);

interface SimHost {
  readonly name: string;
  readonly engine: FakeDockerEngine;
  readonly catalogue: LiveCatalogue;
  readonly images: FakeImageSpec[];
  pendingTag: string | null;
}

/** Notes when each host's publication starts, for the change-visible measure. */
const timedStore = {
  publish(host: string, publication: CataloguePublication): Promise<number> {
    const sim = hostsByName.get(host);
    if (
      sim?.pendingTag &&
      publication.state.summaries.some((summary) => summary.repoTags.includes(sim.pendingTag!))
    ) {
      process.send?.({
        changed: host,
        tag: sim.pendingTag,
        publishAt: performance.timeOrigin + performance.now(),
      });
      sim.pendingTag = null;
    }
    return store.publish(host, publication);
  },
} as RedisHostCatalogueStore;

const hostsByName = new Map<string, SimHost>();
const publishers: CataloguePublisher[] = [];

for (let index = first; index < first + count; index++) {
  const name = simHostName(index);
  const next = random(10_000 + index);
  const chosen = new Set<number>();
  while (chosen.size < Math.min(imagesPerHost, poolSize)) chosen.add(Math.floor(next() * poolSize));
  const images = [...chosen].map(poolImage);
  const engine = new FakeDockerEngine(images);
  const catalogue = new LiveCatalogue(engine, config);
  const publisher = new CataloguePublisher(name, timedStore);
  catalogue.onSynced((sync) => publisher.offer(sync));
  hostsByName.set(name, { name, engine, catalogue, images, pendingTag: null });
  publishers.push(publisher);
}

const engineInfo = {
  version: '28.0.0-sim',
  apiVersion: '1.48',
  os: 'linux',
  architecture: 'amd64',
  cpus: 4,
  memoryBytes: 8 * 1024 ** 3,
};

for (const host of hostsByName.values()) {
  await directory.register(
    {
      name: host.name,
      labels: { sim: 'true', ring: String(Number(host.name.slice(4)) % 10) },
      engine: engineInfo,
      agentVersion: 'sim',
    },
    { engineReachable: true, at: new Date() },
  );
  host.catalogue.onApplicationBootstrap();
}

setInterval(() => {
  const at = new Date();
  for (const host of hostsByName.values())
    void directory.heartbeat(host.name, { engineReachable: true, at }).catch(() => undefined);
}, heartbeatMs).unref();

while (publishers.some((publisher) => publisher.publishedVersion() === 0)) {
  await new Promise((resolve) => setTimeout(resolve, 100));
}
process.send?.({ ready: hostsByName.size });

process.on('message', (message: { change?: string; tag?: string }) => {
  const host = message.change ? hostsByName.get(message.change) : undefined;
  if (!host || !message.tag) return;
  const image = host.images[0]!;
  host.pendingTag = message.tag;
  const tags = [...(image.repoTags ?? []), message.tag];
  host.engine.setRepoTags(image.id, tags);
  host.engine.emit(imageEvent('tag', image.id, { name: message.tag }));
});

process.on('disconnect', () => process.exit(0));
