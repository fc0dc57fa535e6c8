import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { DateTimeResolver } from 'graphql-scalars';
import { WEBHOOK_EVENT_TYPES } from '#libs/webhooks';
import { PageInfo } from '../../common/page-info.model.js';
import { PageInfoDto } from '../../images/rest/image.dto.js';

@ObjectType({ description: 'One attempt to deliver one event to a webhook.' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'The delivery (one event to one webhook, over its attempts).' })
  @ApiProperty()
  id!: string;

  @Field(() => ID, {
    description: 'The CloudEvents id: the same in every delivery of the event, for deduplication.',
  })
  @ApiProperty()
  eventId!: string;

  @Field({ description: 'The event type, e.g. job.completed.' })
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES })
  event!: string;

  @Field(() => Int, { description: '1 for the first attempt; 0 for a redelivery not tried yet.' })
  @ApiProperty()
  attempt!: number;

  @Field(() => Int, { nullable: true, description: "The receiver's HTTP status; null when it gave none." })
  @ApiProperty({ type: Number, nullable: true })
  status!: number | null;

  @Field(() => Int, { nullable: true })
  @ApiProperty({ type: Number, nullable: true })
  durationMs!: number | null;

  @Field(() => String, { nullable: true, description: 'Why it did not succeed.' })
  @ApiProperty({ type: String, nullable: true })
  error!: string | null;

  @Field(() => DateTimeResolver)
  @ApiProperty({ type: String, format: 'date-time' })
  at!: Date;
}

@ObjectType({ description: 'A subscription: Stevedore POSTs the events it names to its URL, signed.' })
export class Webhook {
  @Field(() => ID)
  @ApiProperty()
  id!: string;

  @Field()
  @ApiProperty()
  url!: string;

  @Field(() => [String], {
    description: `Event types: ${WEBHOOK_EVENT_TYPES.join(', ')}.`,
  })
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true })
  events!: string[];

  @Field(() => String, { nullable: true, description: "A glob over the event's image reference (acme/*)." })
  @ApiProperty({ type: String, nullable: true })
  reference!: string | null;

  @Field(() => String, { nullable: true, description: 'Only events of this host.' })
  @ApiProperty({ type: String, nullable: true })
  host!: string | null;

  @Field({ description: 'Disabled after WEBHOOK_DISABLE_AFTER_FAILURES failed deliveries in a row.' })
  @ApiProperty()
  disabled!: boolean;

  @Field(() => Int, { description: 'Failed deliveries in a row; 0 after a success.' })
  @ApiProperty()
  failures!: number;

  @Field(() => WebhookDelivery, { nullable: true })
  @ApiProperty({ type: WebhookDelivery, nullable: true })
  lastDelivery!: WebhookDelivery | null;
}

@ObjectType()
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDelivery])
  @ApiProperty({ type: [WebhookDelivery] })
  nodes!: WebhookDelivery[];

  @Field(() => PageInfo)
  @ApiProperty({ type: PageInfoDto })
  pageInfo!: PageInfo;
}

@ObjectType({ description: 'The signing secret is shown here once and never again.' })
export class CreatedWebhook {
  @Field(() => Webhook)
  @ApiProperty({ type: Webhook })
  webhook!: Webhook;

  @Field({ description: 'Verify each delivery with it (see the README): the Stevedore-Signature header.' })
  @ApiProperty()
  secret!: string;
}
