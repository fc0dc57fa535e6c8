import { z } from 'zod';
import type { ImageChangesService, PruneReport, RemovalReport } from './image-changes.service.js';

/**
 * A change to one host's images as a message: what the api sends an agent for a host it does not
 * reach itself, and what the agent answers. Both sides validate what they read.
 */
const text = z.string().max(4_096);

export const imageChangeCommandSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tag'), source: text, target: text }),
  z.object({ kind: z.literal('rename'), source: text, target: text }),
  z.object({ kind: z.literal('untag'), ref: text }),
  z.object({
    kind: z.literal('remove'),
    ref: text,
    force: z.boolean(),
    removeContainers: z.boolean(),
    prune: z.boolean(),
  }),
  z.object({
    kind: z.literal('prune'),
    all: z.boolean(),
    dryRun: z.boolean(),
    until: z.iso.datetime().optional(),
    labels: z.array(text).max(32).optional(),
  }),
]);

export type ImageChangeCommand = z.infer<typeof imageChangeCommandSchema>;

const ids = z.array(z.string().max(4_096)).max(1_000_000);

export const imageChangeOutcomeSchema = z.discriminatedUnion('kind', [
  /** The image now holds `reference` (normalised): the api reads both from its replica. */
  z.object({ kind: z.literal('tagged'), imageId: text, reference: text }),
  z.object({
    kind: z.literal('removal'),
    report: z.object({ untagged: ids, deleted: ids, removedContainers: ids }),
  }),
  z.object({ kind: z.literal('prune'), report: z.object({ deleted: ids, spaceReclaimed: z.number() }) }),
]);

export type ImageChangeOutcome = z.infer<typeof imageChangeOutcomeSchema>;

/** Runs a command against this process's daemon (an agent's side). */
export async function runImageChange(
  changes: ImageChangesService,
  command: ImageChangeCommand,
): Promise<ImageChangeOutcome> {
  switch (command.kind) {
    case 'tag':
    case 'rename': {
      const { tag, image } = await (command.kind === 'tag'
        ? changes.tag(command.source, command.target)
        : changes.rename(command.source, command.target));
      return { kind: 'tagged', imageId: image.id, reference: tag.reference };
    }
    case 'untag':
      return removal(await changes.untag(command.ref));
    case 'remove':
      return removal(await changes.remove(command.ref, command));
    case 'prune': {
      const report = await changes.prune({
        all: command.all,
        dryRun: command.dryRun,
        until: command.until === undefined ? undefined : new Date(command.until),
        labels: command.labels,
      });
      return {
        kind: 'prune',
        report: { deleted: [...report.deleted], spaceReclaimed: report.spaceReclaimed },
      };
    }
  }
}

function removal(report: RemovalReport): ImageChangeOutcome {
  return { kind: 'removal', report };
}

export type { PruneReport, RemovalReport };
