import { Module } from '@nestjs/common';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { CREDENTIAL_SEALER, credentialSealerProvider } from '#libs/registry-auth';
import { RedisWebhookStore } from './redis-webhook-store.adapter.js';
import { WebhookDeliveries } from './webhook-deliveries.js';
import { WEBHOOK_STORE } from './webhook-store.port.js';
import { DEFAULT_REFUSED_TARGETS, WebhookTargetPolicy } from './webhook-target-policy.js';

/** Webhook subscriptions, their target policy and their delivery worker. Needs ConfigModule (global). */
@Module({
  providers: [
    credentialSealerProvider,
    RedisWebhookStore,
    { provide: WEBHOOK_STORE, useExisting: RedisWebhookStore },
    {
      provide: WebhookTargetPolicy,
      inject: [STEVEDORE_CONFIG],
      useFactory: (config: StevedoreConfig) =>
        new WebhookTargetPolicy({
          allowed: config.webhooks.allowedTargets,
          // Added to the built-in refusals, never instead of them: only the allow list opens one.
          refused: [...DEFAULT_REFUSED_TARGETS, ...(config.webhooks.refusedTargets ?? [])],
        }),
    },
    WebhookDeliveries,
  ],
  exports: [WEBHOOK_STORE, WebhookTargetPolicy, WebhookDeliveries, CREDENTIAL_SEALER],
})
export class WebhooksModule {}
