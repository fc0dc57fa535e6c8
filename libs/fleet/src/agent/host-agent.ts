import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { LiveCatalogue, type CatalogueSnapshot } from '#libs/catalogue';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import { ImageChangesService, runImageChange, type ImageChangeCommand } from '#libs/image-changes';
import { CataloguePublisher } from '../catalogue/catalogue-publisher.js';
import { HOST_CATALOGUE_STORE, type HostCatalogueStore } from '../catalogue/host-catalogue-store.port.js';
import { HOST_DIRECTORY, type HostDirectory } from '../host-directory.port.js';
import { HOST_REQUESTS, type HostAnswer, type HostRequests } from '../requests/host-requests.port.js';
import { configuredHostName } from '../host-name.js';
import type { EngineInfo } from '../host-record.js';
import { agentVersion } from './agent-version.js';

/**
 * The agent of one Docker host: registers the host, heartbeats (saying whether the daemon
 * answers), and publishes the host's live catalogue for the api replicas. It never stops for
 * Redis: registration and publication are retried until Redis answers.
 */
@Injectable()
export class HostAgent implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HostAgent.name);
  readonly hostName: string;
  private readonly publisher: CataloguePublisher;
  private readonly version = agentVersion();
  private registered = false;
  private registeredWithEngine = false;
  private engineInfo: EngineInfo | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;
  private lastBeatFailed = false;
  private stopListening: () => void = () => undefined;
  private readonly stopping = new AbortController();
  private serving: Promise<void> | null = null;

  constructor(
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
    @Inject(DOCKER_ENGINE) private readonly engine: DockerEngine,
    private readonly catalogue: LiveCatalogue,
    @Inject(HOST_DIRECTORY) private readonly directory: HostDirectory,
    @Inject(HOST_CATALOGUE_STORE) store: HostCatalogueStore,
    @Inject(HOST_REQUESTS) private readonly requests: HostRequests,
    private readonly changes: ImageChangesService,
  ) {
    this.hostName = configuredHostName(config);
    this.publisher = new CataloguePublisher(this.hostName, store);
  }

  /** Before the catalogue's first sync (it starts at bootstrap), so none goes unpublished. */
  onModuleInit(): void {
    this.stopListening = this.catalogue.onSynced((sync) => this.publisher.offer(sync));
  }

  onApplicationBootstrap(): void {
    void this.beat();
    this.heartbeatTimer = setInterval(() => void this.beat(), this.config.fleet.heartbeatMs);
    this.heartbeatTimer.unref();
    this.serving = this.requests.serve(
      this.hostName,
      (command) => this.handle(command),
      this.stopping.signal,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.stopListening();
    this.stopping.abort();
    this.publisher.stop();
    await Promise.all([this.beating, this.serving]);
  }

  /** A change asked of this host: made, then answered with the catalogue version that shows it. */
  private async handle(command: ImageChangeCommand): Promise<HostAnswer> {
    const outcome = await runImageChange(this.changes, command);
    // The change resolved once the catalogue showed it: the latest snapshot does, or a later one.
    const snapshot = this.catalogue.latest();
    const version = snapshot
      ? await this.publisher.versionShowing(snapshot)
      : this.publisher.publishedVersion();
    return { version, outcome };
  }

  /** The published catalogue version that shows `snapshot`, once published (for answers to changes). */
  versionShowing(snapshot: CatalogueSnapshot): Promise<number> {
    return this.publisher.versionShowing(snapshot);
  }

  /** One heartbeat (a registration first, or again when the record is gone); never overlaps another. */
  beat(): Promise<void> {
    this.beating ??= this.beatOnce().finally(() => (this.beating = null));
    return this.beating;
  }

  private async beatOnce(): Promise<void> {
    const engineReachable = await this.engineAnswers();
    const at = new Date();
    try {
      if (engineReachable && !this.engineInfo)
        this.engineInfo = await this.engine.describe().catch(() => null);
      // A record made before the daemon described itself is rewritten once it has.
      const recordCurrent = this.registered && (this.registeredWithEngine || !this.engineInfo);
      const beaten =
        recordCurrent && (await this.directory.heartbeat(this.hostName, { engineReachable, at }));
      // No record (never made, or lost with Redis's data): register again.
      if (!beaten) await this.register({ engineReachable, at });
      if (this.lastBeatFailed) this.logger.log({ message: 'heartbeat resumed', host: this.hostName });
      this.lastBeatFailed = false;
    } catch (error) {
      if (!this.lastBeatFailed) {
        this.logger.warn({
          message: 'heartbeat failed; retrying',
          host: this.hostName,
          error: String(error),
        });
      }
      this.lastBeatFailed = true;
    }
  }

  private async register(beat: { engineReachable: boolean; at: Date }): Promise<void> {
    const { hostLabels: labels } = this.config.fleet;
    const engine = this.engineInfo;
    await this.directory.register({ name: this.hostName, labels, engine, agentVersion: this.version }, beat);
    this.registered = true;
    this.registeredWithEngine = engine !== null;
    this.logger.log({
      message: 'host registered',
      host: this.hostName,
      labels,
      engine: engine?.version ?? null,
    });
  }

  /** A fresh catalogue means the daemon's event stream is up; otherwise ask the daemon. */
  private async engineAnswers(): Promise<boolean> {
    if (this.catalogue.isFresh()) return true;
    try {
      await this.engine.ping();
      return true;
    } catch {
      return false;
    }
  }
}
