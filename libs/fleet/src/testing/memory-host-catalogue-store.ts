import type { CatalogueNotice, CatalogueState } from '../catalogue/catalogue-wire.js';
import type { CataloguePublication, HostCatalogueStore } from '../catalogue/host-catalogue-store.port.js';

interface StoredHost {
  version: number;
  state: CatalogueState | null;
  facts: Map<string, string>;
}

/**
 * The HostCatalogueStore in memory, for the logic around it; the Redis adapter is tested against
 * Redis. Notices are delivered on the next microtask unless `holdNotices` is set, and a publish
 * can be made to fail or wait.
 */
export class MemoryHostCatalogueStore implements HostCatalogueStore {
  readonly hosts = new Map<string, StoredHost>();
  readonly publications: { host: string; publication: CataloguePublication }[] = [];
  holdNotices = false;
  readonly heldNotices: { host: string; notice: CatalogueNotice }[] = [];
  /** Makes the next publish calls reject (true) or wait for the returned gate (a promise). */
  failPublish = false;
  publishGate: Promise<void> | null = null;
  /** Makes reads wait for it (a replica that has a notice but not yet the state). */
  readGate: Promise<void> | null = null;
  private handlers: Parameters<HostCatalogueStore['follow']>[0] | null = null;

  async publish(host: string, publication: CataloguePublication): Promise<number> {
    if (this.publishGate) await this.publishGate;
    if (this.failPublish) throw new Error('redis away');
    this.publications.push({ host, publication });
    const stored = this.storedOf(host);
    if (publication.replaceFacts) stored.facts.clear();
    for (const [id, facts] of publication.addFacts) stored.facts.set(id, facts);
    for (const id of publication.dropFacts) stored.facts.delete(id);
    stored.version++;
    stored.state = publication.state;
    this.notify(host, { version: stored.version, events: publication.events });
    return stored.version;
  }

  /** Writes a host's record as a compromised agent could: anything, with no checks. */
  write(host: string, version: number, state: CatalogueState | null, facts: Record<string, string>): void {
    const stored = this.storedOf(host);
    stored.version = version;
    stored.state = state;
    for (const [id, value] of Object.entries(facts)) stored.facts.set(id, value);
  }

  notify(host: string, notice: CatalogueNotice): void {
    if (this.holdNotices) this.heldNotices.push({ host, notice });
    else queueMicrotask(() => this.handlers?.onNotice(host, notice));
  }

  async read(host: string) {
    if (this.readGate) await this.readGate;
    const stored = this.hosts.get(host);
    return stored ? { version: stored.version, state: stored.state } : null;
  }

  async versions(hosts: readonly string[]): Promise<Map<string, number>> {
    return new Map(hosts.map((host) => [host, this.hosts.get(host)?.version ?? 0]));
  }

  async readFacts(host: string, ids: readonly string[]): Promise<Map<string, string>> {
    const facts = this.hosts.get(host)?.facts ?? new Map<string, string>();
    return new Map(ids.filter((id) => facts.has(id)).map((id) => [id, facts.get(id)!]));
  }

  async follow(handlers: Parameters<HostCatalogueStore['follow']>[0]): Promise<void> {
    this.handlers = handlers;
  }

  async close(): Promise<void> {
    this.handlers = null;
  }

  private storedOf(host: string): StoredHost {
    let stored = this.hosts.get(host);
    if (!stored) {
      stored = { version: 0, state: null, facts: new Map() };
      this.hosts.set(host, stored);
    }
    return stored;
  }
}
