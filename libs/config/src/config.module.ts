import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { StevedoreConfig } from './stevedore-config.js';

export const STEVEDORE_CONFIG = Symbol('STEVEDORE_CONFIG');

/** Makes the validated configuration injectable as STEVEDORE_CONFIG. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: StevedoreConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: STEVEDORE_CONFIG, useValue: config }],
      exports: [STEVEDORE_CONFIG],
    };
  }
}
