import { NoDockerSocketError } from '#libs/errors';
import type { DockerEngine } from './docker-engine.port.js';

/**
 * The engine of an api that holds no Docker socket (API_DOCKER=false): every call is refused
 * with DOCKER_UNAVAILABLE, saying why, and nothing ever connects anywhere. Such an api reaches
 * each host through that host's agent.
 */
export class NoDockerEngine implements DockerEngine {
  ping = () => this.refuse('ping');
  searchImages = () => this.refuse('searchImages');
  platform = () => this.refuse('platform');
  describe = () => this.refuse('describe');
  listImages = () => this.refuse('listImages');
  inspectImage = () => this.refuse('inspectImage');
  inspectImageDocument = () => this.refuse('inspectImageDocument');
  imageHistory = () => this.refuse('imageHistory');
  listContainers = () => this.refuse('listContainers');
  openEvents = () => this.refuse('openEvents');
  pullImage = () => this.refuse('pullImage');
  pushImage = () => this.refuse('pushImage');
  tagImage = () => this.refuse('tagImage');
  removeImage = () => this.refuse('removeImage');
  removeContainer = () => this.refuse('removeContainer');
  pruneImages = () => this.refuse('pruneImages');
  exportImages = () => this.refuse('exportImages');
  loadImages = () => this.refuse('loadImages');

  private refuse(operation: string): Promise<never> {
    return Promise.reject(new NoDockerSocketError(operation));
  }
}
