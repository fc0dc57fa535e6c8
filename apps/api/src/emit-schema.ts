import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { printBuiltSchema } from './graphql/schema.js';

/** Writes the emitted GraphQL schema to schema.gql, where reviewers and the contract test read it. */
writeFileSync('schema.gql', await printBuiltSchema());
process.stdout.write('schema.gql written\n');
