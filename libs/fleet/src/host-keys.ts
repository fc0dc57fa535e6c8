import { parseHostName } from './host-name.js';

/**
 * Every Redis key of the fleet, in one place, because three things depend on their shape:
 * - each host's keys share the hash tag `{host:<name>}`, so on Redis Cluster they sit in one slot
 *   (BullMQ needs a queue's keys in one slot, and a host's queue is one of them);
 * - an agent's Redis ACL user is granted exactly `hostKeyPattern(name)` and nothing else;
 * - the api finds hosts by scanning for `hostRecordPattern()`: there is no shared index an agent
 *   would need write access to (and could then edit for other hosts).
 */
export class FleetKeys {
  constructor(private readonly prefix = 'stevedore') {}

  /** Hash: the host's registration and its last heartbeat. */
  hostRecord(name: string): string {
    return `${this.hostScope(name)}:record`;
  }

  /** The SCAN pattern of every host's record key. */
  hostRecordPattern(): string {
    return `${this.prefix}:{host:*}:record`;
  }

  /** The host's name in one of its record keys, or null for any other key. */
  hostOfRecord(key: string): string | null {
    return this.hostIn(key, ':record');
  }

  /** Hash: the host's published catalogue, `version` and `state` (see catalogue-wire.ts). */
  hostCatalogue(name: string): string {
    return `${this.hostScope(name)}:catalogue`;
  }

  /** Hash: image id → what never changes of that image (inspect, history, layers), as JSON. */
  hostImageFacts(name: string): string {
    return `${this.hostScope(name)}:facts`;
  }

  /** Pub/sub channel: a notice per published catalogue version. */
  hostChanges(name: string): string {
    return `${this.hostScope(name)}:changes`;
  }

  /** The PSUBSCRIBE pattern of every host's changes channel. */
  changesPattern(): string {
    return `${this.prefix}:{host:*}:changes`;
  }

  /** The host's name in one of its changes channels, or null for any other channel. */
  hostOfChanges(channel: string): string | null {
    return this.hostIn(channel, ':changes');
  }

  /** List: requests to the host's agent (changes to its images), newest first. */
  hostRequests(name: string): string {
    return `${this.hostScope(name)}:requests`;
  }

  /** Pub/sub channel: the agent's answers to its requests. */
  hostAnswers(name: string): string {
    return `${this.hostScope(name)}:answers`;
  }

  /** The PSUBSCRIBE pattern of every host's answers channel. */
  answersPattern(): string {
    return `${this.prefix}:{host:*}:answers`;
  }

  /** The host's name in one of its answers channels, or null for any other channel. */
  hostOfAnswers(channel: string): string | null {
    return this.hostIn(channel, ':answers');
  }

  /** The ACL key pattern that covers every key of one host (its record, queue, catalogue). */
  hostKeyPattern(name: string): string {
    return `${this.hostScope(name)}:*`;
  }

  /**
   * BullMQ's prefix for the fleet's own queue: the parents of fan-outs, which api processes run.
   * No agent is granted it (its tag is no host's).
   */
  fleetQueuePrefix(): string {
    return `${this.prefix}:{fleet}`;
  }

  /** BullMQ's prefix for the host's own queue (so its keys fall under hostKeyPattern). */
  hostQueuePrefix(name: string): string {
    return this.hostScope(name);
  }

  private hostIn(keyOrChannel: string, suffix: string): string | null {
    const start = `${this.prefix}:{host:`;
    const end = `}${suffix}`;
    if (!keyOrChannel.startsWith(start) || !keyOrChannel.endsWith(end)) return null;
    const name = keyOrChannel.slice(start.length, keyOrChannel.length - end.length);
    try {
      return parseHostName(name);
    } catch {
      // Not a name an agent could have registered under: no host's.
      return null;
    }
  }

  private hostScope(name: string): string {
    return `${this.prefix}:{host:${parseHostName(name)}}`;
  }
}
