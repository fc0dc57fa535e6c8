import {
  Controller,
  Get,
  Global,
  Module,
  Post,
  type INestApplication,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { ApolloDriver } from '@nestjs/apollo';
import { GraphQLModule, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AUDIT_LOG, type AuditLog, type NewAuditEntry } from '#libs/audit';
import { Public, RequiresRole } from './auth.decorators.js';
import { loadConfig, STEVEDORE_CONFIG } from '#libs/config';
import { ChangeAudit } from '../audit/change-audit.js';
import { formatGraphQLError } from '../errors/graphql-error.formatter.js';
import { ProblemDetailsFilter } from '../errors/problem-details.filter.js';
import { AuthModule, mountAuthentication } from './auth.module.js';
import { AuthenticationMiddleware } from './authentication.middleware.js';

const TOKENS = { read: 'r'.repeat(20), write: 'w'.repeat(20), admin: 'a'.repeat(20) };

/** Stand-ins for the routes later issues add: a change, an admin operation and an open probe. */
@Controller()
class ProbeController {
  @Get('api/v1/thing') read() {
    return { ok: true };
  }
  @Post('api/v1/thing') change() {
    return { ok: true };
  }
  @RequiresRole('admin') @Get('api/v1/operations') operate() {
    return { ok: true };
  }
  @Public() @Get('health/live') live() {
    return { ok: true };
  }
}

@Resolver()
class ProbeResolver {
  @Query(() => Boolean) look() {
    return true;
  }
  @Mutation(() => Boolean) touch() {
    return true;
  }
  @RequiresRole('admin') @Mutation(() => Boolean) operate() {
    return true;
  }
}

/** The guard records refused changes: an audit log of our own port, kept in memory. */
const recorded: NewAuditEntry[] = [];
const memoryAuditLog: AuditLog = {
  record: async (entry) => void recorded.push(entry),
  list: async () => ({ totalCount: 0, nodes: [], pageInfo: { hasNextPage: false, endCursor: null } }),
};

@Global()
@Module({
  providers: [
    ChangeAudit,
    { provide: AUDIT_LOG, useValue: memoryAuditLog },
    { provide: STEVEDORE_CONFIG, useValue: loadConfig({}) },
  ],
  exports: [ChangeAudit, STEVEDORE_CONFIG],
})
class AuditStandInModule {}

@Module({
  imports: [
    AuditStandInModule,
    AuthModule.forTokens(Object.entries(TOKENS).map(([role, token]) => ({ role: role as 'read', token }))),
    GraphQLModule.forRoot({
      driver: ApolloDriver,
      autoSchemaFile: true,
      formatError: formatGraphQLError,
      context: ({ req }: { req: unknown }) => ({ req }),
    }),
  ],
  controllers: [ProbeController],
  providers: [ProbeResolver],
})
class ProbeModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    mountAuthentication(consumer);
  }
}

describe('authentication and roles (the real middleware and guard)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new ProblemDetailsFilter());
    await app.init();
    expect(moduleRef.get(AuthenticationMiddleware)).toBeDefined();
  });

  afterAll(() => app.close());

  const gql = (query: string, token?: string) => {
    const call = request(app.getHttpServer()).post('/graphql').send({ query });
    return token ? call.set('authorization', `Bearer ${token}`) : call;
  };

  it.each([
    ['no token', undefined],
    ['an unknown token', 'u'.repeat(20)],
  ])('refuses %s with UNAUTHENTICATED on REST and GraphQL, introspection included', async (_case, token) => {
    const restCall = request(app.getHttpServer()).get('/api/v1/thing');
    const restAnswer = await (token ? restCall.set('authorization', `Bearer ${token}`) : restCall);
    expect(restAnswer.status).toBe(401);
    expect(restAnswer.headers['content-type']).toContain('application/problem+json');
    expect(restAnswer.body.code).toBe('UNAUTHENTICATED');
    const gqlAnswer = await gql('{ __schema { queryType { name } } }', token);
    expect(gqlAnswer.status).toBe(401);
    expect(gqlAnswer.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('leaves health open', async () => {
    expect((await request(app.getHttpServer()).get('/health/live')).status).toBe(200);
  });

  it.each([
    ['read', { look: 200, change: 403, touch: 'FORBIDDEN', operate: 'FORBIDDEN' }],
    ['write', { look: 200, change: 201, touch: true, operate: 'FORBIDDEN' }],
    ['admin', { look: 200, change: 201, touch: true, operate: true }],
  ] as const)('gives the %s role what it may do and FORBIDDEN for the rest', async (role, expected) => {
    const token = TOKENS[role];
    const auth = (call: request.Test) => call.set('authorization', `Bearer ${token}`);
    expect((await auth(request(app.getHttpServer()).get('/api/v1/thing'))).status).toBe(expected.look);
    const change = await auth(request(app.getHttpServer()).post('/api/v1/thing'));
    expect(change.status).toBe(expected.change);
    if (change.status === 403) expect(change.body.code).toBe('FORBIDDEN');
    const operations = await auth(request(app.getHttpServer()).get('/api/v1/operations'));
    expect(operations.status).toBe(expected.operate === true ? 200 : 403);

    expect((await gql('{ look }', token)).body.data.look).toBe(true);
    for (const field of ['touch', 'operate'] as const) {
      const answer = await gql(`mutation { ${field} }`, token);
      if (expected[field] === true) expect(answer.body.data[field]).toBe(true);
      else expect(answer.body.errors[0].extensions.code).toBe('FORBIDDEN');
    }
  });

  it('records each change refused for its role, and no refused read', async () => {
    recorded.length = 0;
    const token = TOKENS.read;
    await request(app.getHttpServer()).post('/api/v1/thing').set('authorization', `Bearer ${token}`);
    await request(app.getHttpServer()).get('/api/v1/operations').set('authorization', `Bearer ${token}`);
    await gql('mutation { touch }', token);
    expect(recorded.map(({ operation, outcome, errorCode }) => [operation, outcome, errorCode])).toEqual([
      ['POST /api/v1/thing', 'error', 'FORBIDDEN'],
      ['touch', 'error', 'FORBIDDEN'],
    ]);
    expect(recorded.every((entry) => /^read:[0-9a-f]{12}$/.test(entry.caller))).toBe(true);
  });
});
