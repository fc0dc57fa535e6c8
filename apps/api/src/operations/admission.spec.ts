import { Controller, Get, Global, Module, Post, type INestApplication } from '@nestjs/common';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { GraphQLModule, Mutation, Query, Resolver } from '@nestjs/graphql';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import request from 'supertest';
import { AUDIT_LOG, type AuditLog, type NewAuditEntry } from '#libs/audit';
import { TokenAuthenticator } from '#libs/auth';
import { loadConfig, STEVEDORE_CONFIG } from '#libs/config';
import { REQUEST_QUOTA, RedisRequestQuota, type QuotaDecision, type RequestQuota } from '#libs/rate-limit';
import { ChangeAudit } from '../audit/change-audit.js';
import { AuthModule } from '../auth/auth.module.js';
import { formatExecution } from '../errors/graphql-error.formatter.js';
import { answerRefusedDocument } from '../graphql/graphql.options.js';
import { ProblemDetailsFilter } from '../errors/problem-details.filter.js';
import { admissionHook } from '../graphql/admission.hook.js';
import { useHttpEdge } from '../http/http-edge.js';
import { METRICS_REGISTRY } from '../metrics/metrics-registry.js';
import { RequestMetrics } from '../metrics/request-metrics.js';
import { AdmissionChain } from './admission-chain.js';
import { AdmissionModule } from './admission.module.js';
import { declareOperation } from './operation.js';
import { Serves } from './serves.decorator.js';

const TOKENS = { read: 'r'.repeat(20), write: 'w'.repeat(20), admin: 'a'.repeat(20) };

/** Stand-ins for real operations: a read, a change and an admin read, each served by both transports. */
const look = declareOperation({ name: 'look', effect: 'read', summary: 'a read', errors: [] });
const touch = declareOperation({ name: 'touch', effect: 'change', summary: 'a change', errors: [] });
const operate = declareOperation({
  name: 'operate',
  effect: 'read',
  role: 'admin',
  summary: 'an admin read',
  errors: [],
});

@Controller()
class ProbeController {
  @Get('api/v1/thing') @Serves(look) read() {
    return { ok: true };
  }
  @Post('api/v1/thing') @Serves(touch) change() {
    return { ok: true };
  }
  @Get('api/v1/operations') @Serves(operate) operate() {
    return { ok: true };
  }
  @Get('health/live') live() {
    return { ok: true };
  }
}

@Resolver()
class ProbeResolver {
  @Query(() => Boolean) @Serves(look) look() {
    return true;
  }
  @Mutation(() => Boolean) @Serves(touch) touch() {
    return true;
  }
  @Query(() => Boolean) @Serves(operate) operate() {
    return true;
  }
}

/** The audit log and the quota are our own ports, kept in memory; the rest is the real chain. */
const recorded: NewAuditEntry[] = [];
const memoryAuditLog: AuditLog = {
  record: async (entry) => void recorded.push(entry),
  list: async () => ({ totalCount: 0, nodes: [], pageInfo: { hasNextPage: false, endCursor: null } }),
};
const consumed: { caller: string; kind: string; cost: number }[] = [];
let nextDecision: QuotaDecision = { allowed: true };
const memoryQuota: RequestQuota = {
  consume: async (caller, kind, cost = 1) => {
    consumed.push({ caller, kind, cost });
    return nextDecision;
  },
};

@Global()
@Module({
  providers: [
    ChangeAudit,
    RequestMetrics,
    { provide: METRICS_REGISTRY, useFactory: () => new Registry() },
    { provide: AUDIT_LOG, useValue: memoryAuditLog },
    { provide: STEVEDORE_CONFIG, useValue: loadConfig({}) },
  ],
  exports: [ChangeAudit, RequestMetrics, METRICS_REGISTRY, STEVEDORE_CONFIG],
})
class StandInModule {}

@Module({
  imports: [
    StandInModule,
    AdmissionModule,
    AuthModule.forTokens(Object.entries(TOKENS).map(([role, token]) => ({ role: role as 'read', token }))),
    GraphQLModule.forRootAsync<MercuriusDriverConfig>({
      driver: MercuriusDriver,
      inject: [AdmissionChain],
      useFactory: (chain: AdmissionChain) => ({
        autoSchemaFile: true,
        errorHandler: answerRefusedDocument,
        errorFormatter: formatExecution,
        hooks: { preExecution: admissionHook(chain) },
      }),
    }),
  ],
  controllers: [ProbeController],
  providers: [ProbeResolver],
})
class ProbeModule {}

async function startProbeApp(module: object): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [module as typeof ProbeModule] })
    .overrideProvider(RedisRequestQuota)
    .useValue(memoryQuota)
    .overrideProvider(REQUEST_QUOTA)
    .useValue(memoryQuota)
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  // The api's own HTTP edge: the token is read there, before any handler or document runs.
  useHttpEdge(app.getHttpAdapter().getInstance(), {
    authenticator: app.get(TokenAuthenticator),
    accessLog: pino({ enabled: false }),
    metrics: app.get(RequestMetrics),
  });
  app.useGlobalFilters(new ProblemDetailsFilter());
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('the admission chain over REST and GraphQL (real middleware, interceptor, plugin)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startProbeApp(ProbeModule);
  });

  afterAll(() => app.close());

  beforeEach(() => {
    recorded.length = 0;
    consumed.length = 0;
    nextDecision = { allowed: true };
  });

  const gql = (query: string, token?: string) => {
    const call = request(app.getHttpServer()).post('/graphql').send({ query });
    return token ? call.set('authorization', `Bearer ${token}`) : call;
  };
  const rest = (method: 'get' | 'post', path: string, token: string) =>
    request(app.getHttpServer())[method](path).set('authorization', `Bearer ${token}`);

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

  it('leaves the open routes open', async () => {
    expect((await request(app.getHttpServer()).get('/health/live')).status).toBe(200);
  });

  it.each([
    ['read', { look: 200, change: 403, touch: 'FORBIDDEN', operate: 'FORBIDDEN' }],
    ['write', { look: 200, change: 201, touch: true, operate: 'FORBIDDEN' }],
    ['admin', { look: 200, change: 201, touch: true, operate: true }],
  ] as const)(
    'gives the %s role what its declarations allow, and FORBIDDEN for the rest',
    async (role, expected) => {
      const token = TOKENS[role];
      expect((await rest('get', '/api/v1/thing', token)).status).toBe(expected.look);
      const change = await rest('post', '/api/v1/thing', token);
      expect(change.status).toBe(expected.change);
      if (change.status === 403) expect(change.body.code).toBe('FORBIDDEN');
      const operations = await rest('get', '/api/v1/operations', token);
      expect(operations.status).toBe(expected.operate === true ? 200 : 403);

      expect((await gql('{ look }', token)).body.data.look).toBe(true);
      for (const [field, document] of [
        ['touch', 'mutation { touch }'],
        ['operate', '{ operate }'],
      ] as const) {
        const answer = await gql(document, token);
        if (expected[field] === true) expect(answer.body.data[field]).toBe(true);
        else expect(answer.body.errors[0].extensions.code).toBe('FORBIDDEN');
      }
    },
  );

  it('audits every change by its declared name, refused or done, and no read', async () => {
    await rest('post', '/api/v1/thing', TOKENS.read);
    await rest('get', '/api/v1/operations', TOKENS.read);
    await gql('mutation { touch }', TOKENS.read);
    await rest('post', '/api/v1/thing', TOKENS.write);
    await gql('{ look }', TOKENS.write);
    expect(recorded.map(({ operation, outcome, errorCode }) => [operation, outcome, errorCode])).toEqual([
      ['touch', 'error', 'FORBIDDEN'],
      ['touch', 'error', 'FORBIDDEN'],
      ['touch', 'ok', null],
    ]);
    expect(recorded.every((entry) => /^(read|write):[0-9a-f]{12}$/.test(entry.caller))).toBe(true);
  });

  it('counts a read once per request, a change once per root field, before anything runs', async () => {
    await rest('get', '/api/v1/thing', TOKENS.write);
    await rest('post', '/api/v1/thing', TOKENS.write);
    await gql('{ a: look b: look }', TOKENS.write);
    await gql('mutation { a: touch b: touch ... on Mutation { c: touch } }', TOKENS.write);
    expect(consumed.map(({ kind, cost }) => [kind, cost])).toEqual([
      ['query', 1],
      ['mutation', 1],
      ['query', 1],
      ['mutation', 3],
    ]);
  });

  it('refuses over budget with RATE_LIMITED, 429 and Retry-After on both transports, auditing a refused change once', async () => {
    nextDecision = { allowed: false, retryAfterSeconds: 7, limit: 1 };
    for (const answer of [
      await rest('post', '/api/v1/thing', TOKENS.admin),
      await gql('mutation { touch }', TOKENS.admin),
    ]) {
      expect(answer.status).toBe(429);
      expect(answer.headers['retry-after']).toBe('7');
      expect(JSON.stringify(answer.body)).toContain('RATE_LIMITED');
    }
    expect(recorded.map(({ operation, errorCode }) => [operation, errorCode])).toEqual([
      ['touch', 'RATE_LIMITED'],
    ]);
  });

  it('counts every outcome of every operation in one metric', async () => {
    await rest('get', '/api/v1/thing', TOKENS.read);
    await rest('post', '/api/v1/thing', TOKENS.read);
    const metrics = await app.get<Registry>(METRICS_REGISTRY).metrics();
    expect(metrics).toMatch(/stevedore_operations_total\{operation="look",outcome="ok"\} \d+/);
    expect(metrics).toMatch(/stevedore_operations_total\{operation="touch",outcome="FORBIDDEN"\} \d+/);
  });
});

describe('the boot check', () => {
  @Controller()
  class UndeclaredRoute {
    @Get('api/v1/forgotten') forgotten() {
      return {};
    }
  }
  @Resolver()
  class UndeclaredField {
    @Serves(look) @Query(() => Boolean) look() {
      return true;
    }
    @Mutation(() => Boolean) forgotten() {
      return true;
    }
  }
  const appWith = (controllers: object[], providers: object[]) => {
    @Module({
      imports: [
        StandInModule,
        AdmissionModule,
        AuthModule.forTokens([]),
        GraphQLModule.forRoot<MercuriusDriverConfig>({ driver: MercuriusDriver, autoSchemaFile: true }),
      ],
      controllers: controllers as never[],
      providers: providers as never[],
    })
    class Candidate {}
    return startProbeApp(Candidate);
  };

  it('refuses to start an api with a route that serves no declared operation', async () => {
    await expect(appWith([UndeclaredRoute], [UndeclaredField])).rejects.toThrow(
      /route api\/v1\/forgotten \(UndeclaredRoute.forgotten\) serves no operation[\s\S]*Mutation.forgotten serves no operation/,
    );
  });
});
