import { createHash } from 'node:crypto';
import type { EngineHistoryEntry } from '#libs/docker';

/**
 * Chain ids of a layer stack, base first: the base layer's chain id is its diff id, every other
 * one is sha256 of `parentChainId + " " + diffId`. Two images hold the same layer on disk exactly
 * when their chain ids agree, which is how the daemon shares layers between images.
 */
export function chainIdsOf(diffIds: readonly string[]): string[] {
  const chainIds: string[] = [];
  for (const diffId of diffIds) {
    const parent = chainIds.at(-1);
    chainIds.push(
      parent === undefined
        ? diffId
        : `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`,
    );
  }
  return chainIds;
}

/** A history row (oldest first) and whether it made one of the image's layers. */
export interface HistoryRowLayer {
  readonly row: EngineHistoryEntry;
  readonly emptyLayer: boolean;
}

/**
 * Instructions that only change the image's configuration. The Engine API's history does not
 * say which rows made a layer (the config's `empty_layer` is not served), so a row of size 0 is
 * judged by its instruction when the count alone cannot decide. WORKDIR is not among them: both
 * builders commit a layer for the directory it creates.
 */
const METADATA_INSTRUCTION =
  /^(?:\/bin\/sh -c #\(nop\)\s*)?(?:ENV|CMD|LABEL|EXPOSE|ENTRYPOINT|USER|VOLUME|ARG|ONBUILD|STOPSIGNAL|HEALTHCHECK|SHELL|MAINTAINER)\b/i;

/**
 * Marks which history rows (given newest first, as the daemon serves them) made the image's
 * `layerCount` layers, and returns them oldest first. A row with bytes always made a layer.
 * Rows of size 0 fill the remaining layers: instructions that write files (RUN, COPY, ADD,
 * imports) before metadata-only ones, earlier rows before later ones.
 */
export function historyLayersOf(
  newestFirst: readonly EngineHistoryEntry[],
  layerCount: number,
): HistoryRowLayer[] {
  const rows = [...newestFirst].reverse();
  const isLayer = rows.map((row) => row.size > 0);
  let missing = layerCount - isLayer.filter(Boolean).length;
  for (const preferWriting of [true, false]) {
    for (let index = 0; index < rows.length && missing > 0; index++) {
      if (isLayer[index]) continue;
      if (preferWriting && METADATA_INSTRUCTION.test(rows[index]!.createdBy.trim())) continue;
      isLayer[index] = true;
      missing--;
    }
  }
  return rows.map((row, index) => ({ row, emptyLayer: !isLayer[index] }));
}

/** One read-only layer of an image, as the image's own history describes it. */
export interface ImageLayer {
  readonly diffId: string;
  readonly chainId: string;
  /** 0 for the base layer. */
  readonly position: number;
  readonly size: number;
  readonly createdBy: string | null;
  /** Unix seconds, or null when the history has no row (or no time) for the layer. */
  readonly created: number | null;
}

/** The image's layers, base first, each with the history row that made it. */
export function imageLayersOf(diffIds: readonly string[], history: readonly HistoryRowLayer[]): ImageLayer[] {
  const makers = history.filter((entry) => !entry.emptyLayer).map((entry) => entry.row);
  const chainIds = chainIdsOf(diffIds);
  return diffIds.map((diffId, position) => {
    const maker = makers[position];
    return {
      diffId,
      chainId: chainIds[position]!,
      position,
      size: maker?.size ?? 0,
      createdBy: maker?.createdBy ?? null,
      created: maker && maker.created > 0 ? maker.created : null,
    };
  });
}
