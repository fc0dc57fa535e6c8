import { parseProgressLine, type LayerMessage, type ProgressMessage } from './progress-message.js';

export type TransferKind = 'PULL' | 'PUSH' | 'LOAD';

/** The contract's LayerProgress. */
export interface LayerProgressSnapshot {
  readonly id: string;
  readonly status: string;
  /** Bytes of the phase the status names (download, extraction or upload), never above total. */
  readonly current: number;
  /** 0 while the daemon has not told (e.g. `Waiting`, `Already exists`). */
  readonly total: number;
}

/** The contract's JobProgress. */
export interface JobProgressSnapshot {
  /** 0..100, never decreasing within one attempt; 100 only after complete(). */
  readonly percent: number;
  /** Bytes downloaded (pull) or uploaded (push) so far. */
  readonly currentBytes: number;
  /** Sum of the layer sizes the daemon has reported so far: grows as layers start. */
  readonly totalBytes: number;
  readonly layers: readonly LayerProgressSnapshot[];
  /** The last status line about the whole image (`Digest: …`, `Status: …`). */
  readonly message: string | null;
}

/** Highest percent before complete(): the daemon still writes the image (or manifest) after the last layer. */
export const MAX_PERCENT_BEFORE_COMPLETE = 99.9;

interface LayerState {
  readonly id: string;
  status: string;
  /** As the daemon reported it for the current phase. */
  current: number;
  total: number;
  /** Fraction of the transfer (download or upload) done, 0..1; a retry does not take it back. */
  transfer: number;
  /** Fraction of the extraction done (pull only), 0..1. */
  extract: number;
  done: boolean;
}

/**
 * Statuses the daemon sends for every layer up front, before any transfer starts: `Pulling fs layer`
 * or `Already exists` per layer of a pull, `Preparing` per layer of a push, `Waiting` for those
 * beyond its concurrent transfers.
 */
function isAnnouncement(status: string): boolean {
  return (
    status === 'Pulling fs layer' ||
    status === 'Already exists' ||
    status === 'Preparing' ||
    status === 'Waiting'
  );
}

/** The layer is in the target already, so there is nothing to transfer. */
function isAlreadyPresent(status: string): boolean {
  return (
    status === 'Already exists' || status === 'Layer already exists' || status.startsWith('Mounted from ')
  );
}

/**
 * Folds the daemon's pull/push stream of one attempt into the contract's JobProgress. Pure: feed
 * it lines (applyLine) or parsed messages (apply), read snapshot() whenever progress is reported.
 *
 * Percent weighs layers by size: a pull's layer is half download and half extraction, so one that
 * is downloaded but not yet extracted is not done; a push's layer is its upload. Layers whose size
 * is not known yet weigh as much as the average known layer (as much as any other while none is
 * known, i.e. layer counts). Because a newly reported size can shift those weights, the percent is
 * clamped to the highest value so far.
 *
 * The percent stays 0 while the daemon is still announcing the layers: counted after the first of
 * five layers `Already exists`, it would read 99.9 and, clamped, never move again.
 */
export class ProgressTracker {
  private readonly layers = new Map<string, LayerState>();
  private message: string | null = null;
  private failureMessage: string | null = null;
  private manifestDigest: string | null = null;
  private percent = 0;
  private completed = false;
  /** Whether the list of layers is complete (see isAnnouncement). */
  private settled = false;
  private malformed = 0;
  private readonly loaded: string[] = [];

  constructor(readonly kind: TransferKind) {}

  /** Parses and applies one raw line; returns what it parsed (null for a blank line). */
  applyLine(line: string): ProgressMessage | null {
    const message = parseProgressLine(line);
    if (message) this.apply(message);
    return message;
  }

  apply(message: ProgressMessage): void {
    switch (message.kind) {
      case 'layer':
        this.applyLayer(message);
        if (!isAnnouncement(message.status)) this.settled = true;
        break;
      case 'status':
        // `Pulling from …` and `The push refers to …` come before the layers; `Digest:` after them.
        if (this.layers.size > 0) this.settled = true;
        this.message = message.status;
        this.manifestDigest = message.digest ?? this.manifestDigest;
        if (message.status.startsWith('Loaded image')) {
          this.loaded.push(message.status.replace(/^Loaded image( ID)?: /, ''));
        }
        break;
      case 'aux':
        this.manifestDigest = message.digest ?? this.manifestDigest;
        break;
      case 'error':
        // The first error is the cause; later ones usually repeat it.
        this.failureMessage ??= message.message;
        break;
      case 'malformed':
        this.malformed += 1;
        break;
    }
    this.updatePercent();
  }

  /** Set once any line carried an error: the attempt failed, whatever else the stream says. */
  failure(): { message: string } | null {
    return this.failureMessage === null ? null : { message: this.failureMessage };
  }

  /** The manifest digest the daemon reported (pull: `Digest:` line; push: aux or `digest:` line). */
  digest(): string | null {
    return this.manifestDigest;
  }

  /** What `docker load` said it loaded: references (`name:tag`) or image ids. */
  loadedImages(): readonly string[] {
    return this.loaded;
  }

  /** Lines that were not JSON or not understood; worth a log line, never a failure. */
  malformedLines(): number {
    return this.malformed;
  }

  /**
   * Marks the attempt finished: percent 100, every layer done. Call it only when the stream ended
   * normally; it throws when the stream reported an error, so a failed pull is never completed.
   */
  complete(): void {
    if (this.failureMessage !== null) {
      throw new Error(`cannot complete: the daemon reported an error: ${this.failureMessage}`);
    }
    this.completed = true;
    for (const layer of this.layers.values()) {
      layer.done = true;
      layer.current = layer.total;
    }
    this.percent = 100;
  }

  snapshot(): JobProgressSnapshot {
    let currentBytes = 0;
    let totalBytes = 0;
    const layers: LayerProgressSnapshot[] = [];
    for (const layer of this.layers.values()) {
      totalBytes += layer.total;
      currentBytes += layer.done ? layer.total : Math.round(layer.transfer * layer.total);
      layers.push({
        id: layer.id,
        status: layer.status,
        current: Math.min(layer.current, layer.total),
        total: layer.total,
      });
    }
    return { percent: this.percent, currentBytes, totalBytes, layers, message: this.message };
  }

  private applyLayer(message: LayerMessage): void {
    let layer = this.layers.get(message.layerId);
    if (!layer) {
      layer = { id: message.layerId, status: '', current: 0, total: 0, transfer: 0, extract: 0, done: false };
      this.layers.set(layer.id, layer);
    }
    const { status, current, total } = message;
    layer.status = status;
    if (total !== null && total > 0) layer.total = total;
    const fraction = current !== null && layer.total > 0 ? Math.min(current / layer.total, 1) : null;
    if (current !== null) layer.current = current;

    if (isAlreadyPresent(status) || status === 'Pull complete' || status === 'Pushed') {
      layer.done = true;
      layer.current = layer.total;
    } else if (status === 'Download complete' || status === 'Verifying Checksum') {
      layer.transfer = 1;
      layer.current = layer.total;
    } else if (status === 'Extracting') {
      // Extraction starts after the download was verified.
      layer.transfer = 1;
      if (fraction !== null) layer.extract = Math.max(layer.extract, fraction);
    } else if (
      (status === 'Downloading' || status === 'Pushing' || status === 'Loading layer') &&
      fraction !== null
    ) {
      layer.transfer = Math.max(layer.transfer, fraction);
    }
    // Anything else (`Pulling fs layer`, `Waiting`, `Preparing`, `Retrying in 5 seconds`) only
    // changes the status text.
  }

  private updatePercent(): void {
    if (this.completed || !this.settled) return;
    const layers = [...this.layers.values()];
    if (layers.length === 0) return;
    const known = layers.filter((layer) => layer.total > 0);
    const averageKnown = known.reduce((sum, layer) => sum + layer.total, 0) / known.length;
    let weighted = 0;
    let weights = 0;
    for (const layer of layers) {
      const weight = layer.total > 0 ? layer.total : known.length > 0 ? averageKnown : 1;
      weighted += weight * this.doneFraction(layer);
      weights += weight;
    }
    // Tenths: finer steps only cost progress events.
    const raw = Math.floor((1000 * weighted) / weights) / 10;
    this.percent = Math.max(this.percent, Math.min(raw, MAX_PERCENT_BEFORE_COMPLETE));
  }

  private doneFraction(layer: LayerState): number {
    if (layer.done) return 1;
    return this.kind === 'PULL' ? (layer.transfer + layer.extract) / 2 : layer.transfer;
  }
}
