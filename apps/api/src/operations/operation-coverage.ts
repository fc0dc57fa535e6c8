import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { GraphQLObjectType } from 'graphql';
import { isOpenRoute } from '../http/open-routes.js';
import type { Operation, OperationEffect } from './operation.js';
import { OPERATION_EXTENSION, servedOperation } from './served-operation.js';

/**
 * Refuses to start an api in which a route or GraphQL root field serves no declared operation
 * (it would run unadmitted: no role, budget or audit), an open route serves one, or a root
 * field serves an operation of another effect or name than the schema says.
 */
@Injectable()
export class OperationCoverage implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly moduleRef: ModuleRef,
  ) {}

  onApplicationBootstrap(): void {
    const problems = [...this.routeProblems(), ...this.rootFieldProblems()];
    if (problems.length > 0) {
      throw new Error(
        `Every route and root field must serve one declared operation:\n- ${problems.join('\n- ')}`,
      );
    }
  }

  private routeProblems(): string[] {
    const problems: string[] = [];
    for (const { metatype, instance } of this.discovery.getControllers()) {
      if (!metatype || !instance) continue;
      const prefixes = pathsOf(Reflect.getMetadata(PATH_METADATA, metatype));
      const prototype = Object.getPrototypeOf(instance) as Record<string, object>;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[method];
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const operation = servedOperation(handler);
        for (const path of pathsOf(Reflect.getMetadata(PATH_METADATA, handler))) {
          for (const prefix of prefixes) {
            const route = [prefix, path]
              .map((part) => part.replace(/^\/+|\/+$/g, ''))
              .filter(Boolean)
              .join('/');
            const open = isOpenRoute(route);
            if (open && operation) problems.push(`open route ${route} serves ${operation.name}`);
            if (!open && !operation)
              problems.push(`route ${route} (${metatype.name}.${method}) serves no operation`);
          }
        }
      }
    }
    return problems;
  }

  private rootFieldProblems(): string[] {
    let host: GraphQLSchemaHost;
    try {
      host = this.moduleRef.get(GraphQLSchemaHost, { strict: false });
    } catch {
      return []; // an app without GraphQL
    }
    const { schema } = host;
    const roots: [GraphQLObjectType | null | undefined, OperationEffect][] = [
      [schema.getQueryType(), 'read'],
      [schema.getMutationType(), 'change'],
      [schema.getSubscriptionType(), 'read'],
    ];
    return roots.flatMap(([type, effect]) =>
      Object.values(type?.getFields() ?? {}).flatMap((field) => {
        const operation = field.extensions[OPERATION_EXTENSION] as Operation | undefined;
        const where = `${type?.name}.${field.name}`;
        if (!operation) return [`${where} serves no operation`];
        if (operation.name !== field.name) return [`${where} serves ${operation.name}`];
        if (operation.effect !== effect) return [`${where} is declared as a ${operation.effect}`];
        return [];
      }),
    );
  }
}

function pathsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return [typeof value === 'string' ? value : ''];
}
