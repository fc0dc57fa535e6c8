import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SharedValues, type CatalogueImageEvent, type ImageFacts } from '#libs/catalogue';
import type { EngineContainerSummary, EngineImageSummary } from '#libs/docker';

/**
 * What an agent publishes of its host's catalogue, and how the api reads it back. The api treats
 * all of it as untrusted input: an agent's Redis user can write anything under its host's keys,
 * so a record that does not parse is refused (and that host's catalogue is not updated), never
 * half-read and never able to crash the api.
 */

/** The changing part of a catalogue: small, rewritten whole at each version. */
export interface CatalogueState {
  readonly takenAt: Date;
  readonly summaries: readonly EngineImageSummary[];
  readonly containers: readonly EngineContainerSummary[];
}

/** Sent on the host's changes channel after each published version. */
export interface CatalogueNotice {
  readonly version: number;
  readonly events: readonly CatalogueImageEvent[];
}

const sha = z.string().max(200);
const text = z.string().max(1_000_000);
const stringList = z.array(text).max(100_000);
const stringMap = z.record(z.string().max(10_000), text);
const count = z.number().finite();

const summarySchema = z.object({
  id: sha,
  parentId: z.string().max(200),
  repoTags: stringList,
  repoDigests: stringList,
  created: count,
  size: count,
  labels: stringMap,
  containers: count,
});

const containerSchema = z.object({
  id: sha,
  name: text,
  imageId: sha,
  state: z.string().max(100),
});

const stateSchema = z.object({
  takenAt: z.iso.datetime(),
  summaries: z.array(summarySchema).max(100_000),
  containers: z.array(containerSchema).max(100_000),
});

const nullableList = stringList.nullable();
const historyEntrySchema = z.object({
  id: z.string().max(200),
  created: count,
  createdBy: text,
  size: count,
  comment: text,
  tags: stringList,
});

const factsSchema = z.object({
  details: z.object({
    id: sha,
    repoTags: stringList,
    repoDigests: stringList,
    parent: z.string().max(200),
    comment: text,
    created: text,
    author: text,
    architecture: z.string().max(100),
    variant: z.string().max(100).optional(),
    os: z.string().max(100),
    size: count,
    config: z.object({
      cmd: nullableList,
      entrypoint: nullableList,
      env: stringList,
      workingDir: text,
      user: text,
      exposedPorts: stringList,
      volumes: stringList,
      labels: stringMap,
    }),
    layers: stringList,
  }),
  history: z.array(z.object({ row: historyEntrySchema, emptyLayer: z.boolean() })).max(10_000),
  layers: z
    .array(
      z.object({
        chainId: sha,
        diffId: sha,
        position: count,
        size: count,
        createdBy: text.nullable(),
        created: count.nullable(),
      }),
    )
    .max(10_000),
});

const noticeSchema = z.object({
  version: z.number().int().positive(),
  events: z
    // A burst (a load of many images) fits; a notice larger than that is refused.
    .array(
      z.object({
        action: z.string().max(100),
        imageId: sha.nullable(),
        ref: text.nullable(),
        time: z.iso.datetime(),
      }),
    )
    .max(10_000),
});

export function encodeState(state: CatalogueState): string {
  return JSON.stringify({ ...state, takenAt: state.takenAt.toISOString() });
}

/**
 * Image list rows alike across hosts (the same image with the same names) are one object: the
 * api holds every host's rows, and a fleet runs the same images on many hosts.
 */
const sharedSummaries = new SharedValues<string, EngineImageSummary>(200_000);

/** The state as published, or null when it is not one. */
export function decodeState(json: string): CatalogueState | null {
  const parsed = stateSchema.safeParse(parseJson(json));
  if (!parsed.success) return null;
  const summaries = parsed.data.summaries.map((summary) =>
    // Keyed by a digest of the row: the table keeps 44 characters per row, not the row's JSON.
    sharedSummaries.get(createHash('sha256').update(JSON.stringify(summary)).digest('base64'), () => summary),
  );
  return { ...parsed.data, summaries, takenAt: new Date(parsed.data.takenAt) };
}

export function encodeFacts(facts: ImageFacts): string {
  return JSON.stringify(facts);
}

/** An image's facts as published, or null when they are not; `id` must be the image they describe. */
export function decodeFacts(id: string, json: string): ImageFacts | null {
  const parsed = factsSchema.safeParse(parseJson(json));
  if (!parsed.success || parsed.data.details.id !== id) return null;
  return parsed.data as ImageFacts;
}

export function encodeNoticeEvents(events: readonly CatalogueImageEvent[]): string {
  return JSON.stringify(events.map((event) => ({ ...event, time: event.time.toISOString() })));
}

export function decodeNotice(json: string): CatalogueNotice | null {
  const parsed = noticeSchema.safeParse(parseJson(json));
  if (!parsed.success) return null;
  return {
    version: parsed.data.version,
    events: parsed.data.events.map((event) => ({ ...event, time: new Date(event.time) })),
  };
}

function parseJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}
