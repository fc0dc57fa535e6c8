import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema as parseSdl } from 'graphql';
import { contractGaps } from './schema-contract.js';
import { buildSchema, printBuiltSchema } from './schema.js';

/**
 * Parts of ../shared/contract/schema.graphql that later issues build. Each entry is removed
 * when its part lands; an entry that is no longer missing fails the test, so the list only shrinks.
 */
const PENDING: string[] = []; // every part of the contract is built

const contractPath = resolve(process.cwd(), '../shared/contract/schema.graphql');
const plannedPath = resolve(process.cwd(), '../shared/contract/planned.graphql');

/**
 * The blocks of planned.graphql whose issue has started, each checked like the contract (the
 * contract plus the block, as one schema), with what its issue has yet to build.
 */
const PLANNED_BLOCKS: Record<string, string[]> = {
  Registries: [], // issue 13's block is built
  Fleet: [], // issue 14's block is built
  Webhooks: [], // issue 16's block is built
};

/** One `# ---- <title>: … ----` block of planned.graphql, up to the next. */
function plannedBlock(title: string): string {
  const text = readFileSync(plannedPath, 'utf8');
  const start = text.indexOf(`# ---- ${title}`);
  if (start < 0) throw new Error(`planned.graphql has no block ${title}`);
  const next = text.indexOf('# ----', start + 6);
  return text.slice(start, next < 0 ? undefined : next);
}

describe('GraphQL schema against the public contract', () => {
  it('has every contract type, field, argument and enum value, but for the pending list', async () => {
    const contract = parseSdl(readFileSync(contractPath, 'utf8'));
    const gaps = contractGaps(contract, await buildSchema());
    const unexpected = [...gaps]
      .filter(([path]) => !PENDING.includes(path))
      .map(([path, why]) => `${path}: ${why}`);
    expect(unexpected).toEqual([]);
  });

  it('keeps the pending list honest: every entry is still missing', async () => {
    const contract = parseSdl(readFileSync(contractPath, 'utf8'));
    const gaps = contractGaps(contract, await buildSchema());
    expect(PENDING.filter((path) => !gaps.has(path))).toEqual([]);
  });

  it.each(Object.entries(PLANNED_BLOCKS))(
    'has the planned %s block, but for what its issue has yet to build',
    async (title, pending) => {
      const planned = parseSdl(`${readFileSync(contractPath, 'utf8')}\n${plannedBlock(title)}`);
      const gaps = contractGaps(planned, await buildSchema());
      const unexpected = [...gaps]
        .filter(([path]) => !pending.includes(path))
        .map(([path, why]) => `${path}: ${why}`);
      expect(unexpected).toEqual([]);
      expect(pending.filter((path) => !gaps.has(path))).toEqual([]);
    },
  );

  it('matches the committed schema.gql (run `npm run schema` after changing the schema)', async () => {
    expect(readFileSync(resolve(process.cwd(), 'schema.gql'), 'utf8')).toEqual(await printBuiltSchema());
  });
});
