import { Location, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { MercuriusContext } from 'mercurius';
import { BadUserInputError } from '#libs/errors';

/**
 * Mercurius takes a query that does not parse as GraphQL for a JSON-encoded syntax tree and
 * validates whatever `JSON.parse` made of it (`-0`, an object): a crash in validation for the
 * caller, and a way around the parser's limits. Only documents the parser made go on; the rest
 * get the parser's own syntax error. Runs once per new query text (Mercurius caches the good).
 */
export async function parsedDocumentsOnly(
  _schema: GraphQLSchema,
  document: DocumentNode,
  context: MercuriusContext,
): Promise<void> {
  if ((document as { loc?: unknown } | null)?.loc instanceof Location) return;
  const source = (context as MercuriusContext & { __currentQuery?: unknown }).__currentQuery;
  try {
    if (typeof source === 'string') parse(source);
  } catch (syntaxError) {
    throw new BadUserInputError((syntaxError as Error).message);
  }
  throw new BadUserInputError('The query is not a GraphQL document.');
}
