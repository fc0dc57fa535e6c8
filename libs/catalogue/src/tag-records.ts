import {
  isOfficial,
  parseReference,
  registryOf,
  toFamiliarString,
  toNormalizedString,
} from '#libs/reference';
import { DomainError } from '#libs/errors';
import type { TagRecord } from './image-record.js';
import { SharedValues } from './shared-values.js';

/** One record per image and name, whichever snapshot (or host) holds it. */
const sharedRecords = new SharedValues<string, TagRecord | undefined>(200_000);

/** Reads the daemon's RepoTags into tag records; a name the grammar rejects is skipped, not fatal. */
export function tagRecordsOf(imageId: string, repoTags: readonly string[]): TagRecord[] {
  const records: TagRecord[] = [];
  for (const repoTag of repoTags) {
    const record = sharedRecords.get(`${imageId} ${repoTag}`, () => tagRecordOf(imageId, repoTag));
    if (record) records.push(record);
  }
  return records;
}

function tagRecordOf(imageId: string, repoTag: string): TagRecord | undefined {
  try {
    const reference = parseReference(repoTag);
    if (reference.tag === undefined) return undefined;
    return {
      reference: toNormalizedString(reference),
      familiar: toFamiliarString(reference),
      registry: registryOf(reference),
      repository: reference.path,
      tag: reference.tag,
      official: isOfficial(reference),
      imageId,
    };
  } catch (error) {
    if (error instanceof DomainError) return undefined;
    throw error;
  }
}
