import type { JobKind } from './queue.constants.js';

/**
 * The jobs of the image queue: one name per kind of work, with its payload and result types.
 * The api produces them and the worker consumes them, both from these definitions.
 */
export const JOB_NAMES = {
  pull: 'pull',
  push: 'push',
  load: 'load',
  checkUpdates: 'check-updates',
  copy: 'copy',
  remove: 'remove',
} as const;
export type JobName = (typeof JOB_NAMES)[keyof typeof JOB_NAMES];
export const ALL_JOB_NAMES = Object.values(JOB_NAMES) as readonly JobName[];

export const KIND_OF_JOB: Readonly<Record<JobName, JobKind>> = {
  pull: 'PULL',
  push: 'PUSH',
  load: 'LOAD',
  'check-updates': 'UPDATE_CHECK',
  copy: 'COPY',
  remove: 'REMOVE',
};

interface RegistryJobPayload {
  /**
   * Fully normalised reference: `docker.io/library/nginx:1.27`, or `…@sha256:…`. The worker takes
   * the registry whose credentials it uses from this reference, never from another field.
   */
  readonly ref: string;
  /** Credentials given with the request, sealed (AES-GCM): never stored in the clear. */
  readonly sealedCredentials: string | null;
  /** Role and token fingerprint of the caller, for the audit trail. */
  readonly requestedBy: string;
}

export interface PullJobPayload extends RegistryJobPayload {
  /** `os/arch[/variant]`, or null for the daemon's own platform. */
  readonly platform: string | null;
}

export interface PushJobPayload extends RegistryJobPayload {
  /** The local references to push, normalised; one, or every tag of the repository. */
  readonly tags: readonly string[];
}

/** `docker image load` of an uploaded `docker save` archive. */
export interface LoadJobPayload {
  /** What the job works on, for people: `upload:<file name>`. */
  readonly ref: string;
  /**
   * The uploaded archive's file name (`<uuid>.tar`) in `<stateDir>/uploads`, which the api and
   * the workers share. Never a path: the worker refuses anything else (see ImportArchives).
   */
  readonly fileName: string;
  /** Jobs queued before file names carried a path: only its last part is ever used. */
  readonly archivePath?: string;
  readonly sizeBytes: number;
  readonly requestedBy: string;
}

/**
 * The archive a LOAD job names. A job queued before file names gives the last part of its path,
 * which ImportArchives then checks like any name: the path itself is never used.
 */
export function archiveNameOf(payload: Partial<Pick<LoadJobPayload, 'fileName' | 'archivePath'>>): string {
  if (typeof payload.fileName === 'string') return payload.fileName;
  return typeof payload.archivePath === 'string' ? (payload.archivePath.split('/').at(-1) ?? '') : '';
}

/** Compare local tags with what their registries hold now (what Watchtower and Diun do). */
export interface CheckUpdatesJobPayload {
  /** One normalised reference (`docker.io/library/nginx:1.27`), or EVERY_TAGGED_IMAGE. */
  readonly ref: string;
  readonly requestedBy: string;
}

/** The `ref` of a check of every tagged local image. */
export const EVERY_TAGGED_IMAGE = '*';

/** Registry to registry, without the daemon (`skopeo copy`, `crane copy`). */
export interface CopyJobPayload {
  /** The source, normalised: what the job works on. Source credentials are sealed to it. */
  readonly ref: string;
  /** The target, normalised. Target credentials are sealed to it. */
  readonly target: string;
  /** `os/arch[/variant]` of an index to copy; null: every manifest of it. */
  readonly platforms: readonly string[] | null;
  readonly sealedCredentials: string | null;
  readonly sealedTargetCredentials: string | null;
  readonly requestedBy: string;
}

/** `docker image rm` as a job: one host's child of a removal over several hosts. */
export interface RemoveJobPayload {
  /** The reference or id as given, which the host resolves as `docker image rm` would. */
  readonly ref: string;
  readonly force: boolean;
  readonly removeContainers: boolean;
  readonly prune: boolean;
  readonly requestedBy: string;
}

export interface JobPayloads {
  readonly pull: PullJobPayload;
  readonly push: PushJobPayload;
  readonly load: LoadJobPayload;
  readonly 'check-updates': CheckUpdatesJobPayload;
  readonly copy: CopyJobPayload;
  readonly remove: RemoveJobPayload;
}
export type ImageJobPayload = JobPayloads[JobName];

/** Something a job holds while it may still run: an import's uploaded archive. */
export interface JobArtifact {
  readonly kind: 'import-archive';
  readonly fileName: string;
}

/**
 * Per job name, what a job of it holds. The job lifecycle frees it once the job reached a final
 * state (completed, failed for good, cancelled), never before: not between attempts, nor when a
 * shutting-down worker hands the job back. The payload is read as Redis holds it: unchecked.
 */
export const JOB_ARTIFACTS: {
  readonly [N in JobName]: (payload: Partial<JobPayloads[N]>) => JobArtifact | null;
} = {
  pull: () => null,
  push: () => null,
  load: (payload) => ({ kind: 'import-archive', fileName: archiveNameOf(payload) }),
  'check-updates': () => null,
  copy: () => null,
  remove: () => null,
};

/** The artifact of a job of this name and data; null for none, or for a name that is not ours. */
export function artifactOf(name: string, data: unknown): JobArtifact | null {
  if (!Object.hasOwn(JOB_ARTIFACTS, name)) return null;
  const payload = typeof data === 'object' && data !== null ? data : {};
  return JOB_ARTIFACTS[name as JobName](payload);
}

export interface ImageJobResult {
  /** The local image id, when a pull completes. */
  readonly imageId: string | null;
  /** Manifest digest, when the daemon reported one. */
  readonly digest: string | null;
  /** What a removal did (REMOVE jobs only; a fan-out's, over every host that completed). */
  readonly removal?: ImageRemoval;
  /** What a load loaded, as the daemon names each (`app:1`, or `ID sha256:…` for an untagged one). */
  readonly loaded?: readonly string[];
}

/** What `docker image rm` reports: the references untagged, the ids deleted, the containers removed first. */
export interface ImageRemoval {
  readonly untagged: readonly string[];
  readonly deleted: readonly string[];
  readonly removedContainers: readonly string[];
}

export interface LayerProgressRecord {
  readonly id: string;
  readonly status: string;
  readonly current: number;
  readonly total: number;
}

/** What `job.updateProgress` stores: the public JobProgress plus the attempt it belongs to. */
export interface JobProgressRecord {
  readonly percent: number;
  readonly currentBytes: number;
  readonly totalBytes: number;
  readonly layers: readonly LayerProgressRecord[];
  readonly message: string | null;
  readonly attempt: number;
}

export const NO_PROGRESS: JobProgressRecord = {
  percent: 0,
  currentBytes: 0,
  totalBytes: 0,
  layers: [],
  message: null,
  attempt: 0,
};
