import { Injectable } from '@nestjs/common';
import { BadUserInputError } from '#libs/errors';
import { callerOf } from '../auth/current-principal.decorator.js';
import { HostImageChanges } from '../images/host-image-changes.js';
import type { EngineAnswer, EngineCall } from './engine-call.js';
import { booleanFilter, flag, onlyFilters, parseEngineFilters } from './engine-filters.js';

/** Tag, remove and prune: the same checks, audit and read-your-writes as GraphQL and REST. */
@Injectable()
export class EngineImageChangeHandlers {
  constructor(private readonly changes: HostImageChanges) {}

  /** `POST /images/{name}/tag?repo=&tag=`: 201 and no body, as the daemon answers. */
  tag = async (call: EngineCall): Promise<EngineAnswer> => {
    const repo = call.query.get('repo') ?? '';
    if (repo === '') throw new BadUserInputError('repo is required: the repository to tag the image into.');
    const tag = call.query.get('tag') || 'latest';
    await this.changes.tag(call.host, call.name, `${repo}:${tag}`);
    return { empty: true, status: 201 };
  };

  /** `DELETE /images/{name}?force=&noprune=`: what was untagged, then what was deleted. */
  remove = async (call: EngineCall): Promise<EngineAnswer> => {
    const report = await this.changes.remove(
      call.host,
      call.name,
      {
        force: flag(call.query.get('force')),
        removeContainers: false,
        prune: !flag(call.query.get('noprune')),
      },
      callerOf(call.principal),
    );
    return {
      json: [
        ...report.untagged.map((reference) => ({ Untagged: reference })),
        ...report.deleted.map((id) => ({ Deleted: id })),
      ],
    };
  };

  /** `POST /images/prune`: filters dangling (false: every unused image), until, label. */
  prune = async (call: EngineCall): Promise<EngineAnswer> => {
    const filters = parseEngineFilters(call.query.get('filters'));
    onlyFilters(filters, ['dangling', 'until', 'label']);
    const until = filters.get('until')?.at(-1);
    const report = await this.changes.prune(call.host, {
      all: booleanFilter(filters, 'dangling') === false,
      until: until === undefined ? undefined : untilOf(until),
      labels: filters.get('label'),
      dryRun: false,
    });
    const entries = [
      ...(report.untagged ?? []).map((reference) => ({ Untagged: reference })),
      ...report.deleted.map((id) => ({ Deleted: id })),
    ];
    return {
      json: { ImagesDeleted: entries.length === 0 ? null : entries, SpaceReclaimed: report.spaceReclaimed },
    };
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `until` as the daemon takes it: a Go duration (`24h`, `1h30m`), Unix seconds, or a timestamp. */
export function untilOf(raw: string, now = Date.now()): Date {
  const duration = /^(\d+(?:\.\d+)?(ms|s|m|h))+$/.test(raw)
    ? [...raw.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)].reduce(
        (sum, [, amount, unit]) => sum + Number(amount) * DURATION_UNITS[unit!]!,
        0,
      )
    : null;
  if (duration !== null) return new Date(now - duration);
  if (/^\d+(\.\d+)?$/.test(raw)) return new Date(Number(raw) * 1000);
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) {
    throw new BadUserInputError(
      `until must be a duration (24h), Unix seconds or a timestamp, not ${JSON.stringify(raw.slice(0, 64))}.`,
    );
  }
  return date;
}
