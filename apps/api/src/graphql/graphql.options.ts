import type { ApolloDriverConfig } from '@nestjs/apollo';
import { ApolloDriver } from '@nestjs/apollo';
import type { Context } from 'graphql-ws';
import type { WebSocket } from 'ws';
import type { Principal, TokenAuthenticator } from '#libs/auth';
import type { StevedoreConfig } from '#libs/config';
import type { AuthenticatedRequest } from '../auth/authentication.middleware.js';
import { formatGraphQLError } from '../errors/graphql-error.formatter.js';
import { GRAPHQL_PATH } from '../errors/problem-details.filter.js';
import { queryLimitRules, validateWithLimits } from './query-limits.js';

/** What graphql-ws keeps per connection: the socket, and who authenticated in connection_init. */
type SocketExtra = { socket: WebSocket; principal?: Principal };

/** graphql-ws close code for a connection_init without a valid token. */
export const WS_UNAUTHORIZED = 4401;

/** Apollo on Express: code-first schema kept in memory (schema.gql is emitted by `npm run schema`). */
export function graphqlOptions(
  authenticator: TokenAuthenticator,
  config: StevedoreConfig,
): ApolloDriverConfig {
  return {
    driver: ApolloDriver,
    path: GRAPHQL_PATH,
    autoSchemaFile: true,
    sortSchema: true,
    introspection: true,
    // The offline IDE is its own piece of work; Apollo's landing pages load from CDNs.
    graphiql: false,
    autoTransformHttpErrors: false,
    includeStacktraceInErrorResponses: false,
    formatError: formatGraphQLError,
    validationRules: queryLimitRules(config.graphql),
    subscriptions: {
      'graphql-ws': {
        path: GRAPHQL_PATH,
        // Apollo's validation rules do not run here: the same limits, applied by graphql-ws.
        // (@nestjs/graphql passes its options to graphql-ws's useServer as they are, `validate`
        // included, though its type lists only some of them.)
        ...({ validate: validateWithLimits(config.graphql) } as object),
        // HTTP middleware never sees a WebSocket's messages: authenticate connection_init here.
        onConnect: (context: Context<Record<string, unknown> | undefined, unknown>) => {
          const extra = context.extra as SocketExtra;
          try {
            extra.principal = authenticator.authenticate(
              String(context.connectionParams?.authorization ?? ''),
            );
            return true;
          } catch {
            extra.socket.close(WS_UNAUTHORIZED, 'Unauthorized');
            return false;
          }
        },
      },
    },
    // Over HTTP the request carries the principal; over graphql-ws the connection does.
    context: (input: { req?: AuthenticatedRequest; extra?: SocketExtra }) => ({
      req: input.req ?? { principal: input.extra?.principal },
    }),
  };
}
