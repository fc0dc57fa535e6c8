import type { CatalogueImageEvent, CatalogueSnapshot, HostCatalogue } from '#libs/catalogue';
import { HostOfflineError } from '#libs/errors';
import type { CatalogueReplicas } from './catalogue-replicas.js';

/** How long a read waits for the replica to show a version already announced. */
const CATCH_UP_MS = 1_000;

/** One host's catalogue as the api's replica holds it: reads never leave the process. */
export class ReplicaHostCatalogue implements HostCatalogue {
  private readonly byRequest = new WeakMap<object, CatalogueSnapshot>();

  constructor(
    private readonly replicas: CatalogueReplicas,
    readonly host: string,
  ) {}

  async current(): Promise<CatalogueSnapshot> {
    const replicated = await this.replicas.caughtUp(this.host, CATCH_UP_MS);
    if (!replicated) throw new HostOfflineError(this.host, 'its agent has not published a catalogue yet');
    return replicated.snapshot;
  }

  async forRequest(request: object): Promise<CatalogueSnapshot> {
    let snapshot = this.byRequest.get(request);
    if (!snapshot) {
      snapshot = await this.current();
      this.byRequest.set(request, snapshot);
    }
    return snapshot;
  }

  latest(): CatalogueSnapshot | null {
    return this.replicas.get(this.host)?.snapshot ?? null;
  }

  onImageEvent(listener: (event: CatalogueImageEvent) => void): () => void {
    return this.replicas.onImageEvent((host, event) => {
      if (host === this.host) listener(event);
    });
  }
}
