import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { LiveCatalogue, type CatalogueSnapshot, type HostCatalogue } from '#libs/catalogue';
import { BadUserInputError } from '#libs/errors';
import { CatalogueReplicas, HostRoster, parseHostName, ReplicaHostCatalogue } from '#libs/fleet';
import { hasLabels } from './fleet-views.js';

/** The catalogue of the daemon this process's own agent serves; null when it runs none. */
export const LOCAL_CATALOGUE = Symbol('LocalCatalogue');
/** The name of that daemon's host; null when this process runs no agent. */
export const LOCAL_HOST = Symbol('LocalHost');

const START_RETRY_MS = 1_000;

/**
 * Which host a request means, and that host's catalogue. The host of an agent in this process is
 * read from its live catalogue; every other host from the replica the agents publish to Redis.
 */
@Injectable()
export class HostCatalogues implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HostCatalogues.name);
  private readonly replicated = new Map<string, ReplicaHostCatalogue>();
  private stopped = false;

  constructor(
    readonly roster: HostRoster,
    readonly replicas: CatalogueReplicas,
    @Inject(LOCAL_HOST) readonly localHost: string | null,
    @Inject(LOCAL_CATALOGUE) private readonly local: HostCatalogue | null,
  ) {}

  private get localLive(): LiveCatalogue | null {
    return this.local instanceof LiveCatalogue ? this.local : null;
  }

  /** Not awaited: the api serves its own host while Redis is away, and follows the fleet once it answers. */
  onApplicationBootstrap(): void {
    void this.startReplicas();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.replicas.stop();
  }

  /**
   * The host of the daemon this api reaches itself (what export, search and the live update
   * findings read); BAD_USER_INPUT in an api that holds no Docker socket.
   */
  ownHost(): string {
    if (!this.localHost) throw new BadUserInputError('This api serves no Docker daemon of its own.');
    return this.localHost;
  }

  /** Every host known here, by name. */
  names(): string[] {
    const names = new Set([...this.roster.list().map((host) => host.name), ...this.replicas.hostNames()]);
    if (this.localHost) names.add(this.localHost);
    return [...names].sort();
  }

  /**
   * The host a `host` argument names: checked and known, or when absent the only host there is.
   * BAD_USER_INPUT for an unknown host, or for none given where there are several.
   */
  resolve(host?: string | null): string {
    const names = this.names();
    if (host !== undefined && host !== null) {
      if (!names.includes(parseHostName(host))) {
        throw new BadUserInputError(`No host named ${host} is registered. Query hosts for their names.`);
      }
      return host;
    }
    if (names.length === 1) return names[0]!;
    if (names.length === 0) {
      throw new BadUserInputError('No host is registered yet: start an agent beside a Docker daemon.');
    }
    throw new BadUserInputError(
      `There are ${names.length} hosts: say which with the host argument (query hosts for their names).`,
    );
  }

  /**
   * The hosts a selector names: each of `names` (BAD_USER_INPUT for one not registered), and
   * every host carrying all of `labels` (`key` or `key=value`). In name order; BAD_USER_INPUT
   * when that is none.
   */
  select(selector: {
    readonly names?: readonly string[] | null;
    readonly labels?: readonly string[] | null;
  }): string[] {
    const known = this.names();
    const selected = new Set<string>();
    for (const name of selector.names ?? []) {
      if (!known.includes(parseHostName(name))) {
        throw new BadUserInputError(`No host named ${name} is registered. Query hosts for their names.`);
      }
      selected.add(name);
    }
    if (selector.labels?.length) {
      for (const record of this.roster.list()) {
        if (hasLabels(record.labels, selector.labels)) selected.add(record.name);
      }
    }
    if (selected.size === 0) {
      throw new BadUserInputError(
        'The host selector selects no host: give names, or labels some host carries.',
      );
    }
    return [...selected].sort();
  }

  /** The catalogue of the host a `host` argument names (see resolve). */
  of(host?: string | null): HostCatalogue {
    return this.catalogueOf(this.resolve(host));
  }

  /**
   * A known host's catalogue as fresh as this process can have it: the api's own daemon synced
   * now (a tag made a moment ago by the CLI counts), another host's replica caught up.
   */
  fresh(name: string): Promise<CatalogueSnapshot> {
    if (name === this.localHost && this.localLive) return this.localLive.refresh();
    return this.catalogueOf(name).current();
  }

  /** The catalogue of a known host. */
  catalogueOf(name: string): HostCatalogue {
    if (name === this.localHost && this.local) return this.local;
    let catalogue = this.replicated.get(name);
    if (!catalogue) {
      catalogue = new ReplicaHostCatalogue(this.replicas, name);
      this.replicated.set(name, catalogue);
    }
    return catalogue;
  }

  private async startReplicas(): Promise<void> {
    let warned = false;
    while (!this.stopped) {
      try {
        await this.replicas.start();
        this.logger.log({ message: 'following the fleet', hosts: this.names().length });
        return;
      } catch (error) {
        if (!warned)
          this.logger.warn({ message: 'cannot follow the fleet yet; retrying', error: String(error) });
        warned = true;
        await sleep(START_RETRY_MS);
      }
    }
  }
}
