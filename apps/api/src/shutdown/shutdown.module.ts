import { Global, Module } from '@nestjs/common';
import { ShutdownSignal } from './graceful-shutdown.js';

@Global()
@Module({ providers: [ShutdownSignal], exports: [ShutdownSignal] })
export class ShutdownModule {}
