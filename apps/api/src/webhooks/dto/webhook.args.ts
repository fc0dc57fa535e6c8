import { ArgsType, Field, ID, InputType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { WEBHOOK_EVENT_TYPES } from '#libs/webhooks';
import { PageArgs } from '../../common/page.args.js';

@InputType()
export class CreateWebhookInput {
  @Field({ description: 'http(s); checked against the allowed and refused targets.' })
  @ApiProperty({ example: 'https://hooks.example.com/stevedore' })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @Field(() => [String], { description: `Any of: ${WEBHOOK_EVENT_TYPES.join(', ')}.` })
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @IsIn(WEBHOOK_EVENT_TYPES, {
    each: true,
    message: `each event must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
  })
  events!: string[];

  @Field(() => String, { nullable: true, description: "A glob over the event's image reference (acme/*)." })
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(512)
  reference?: string | null;

  @Field(() => String, { nullable: true, description: 'Only events of this host.' })
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(253)
  host?: string | null;
}

@ArgsType()
export class CreateWebhookArgs {
  @Field(() => CreateWebhookInput)
  @ValidateNested()
  @Type(() => CreateWebhookInput)
  input!: CreateWebhookInput;
}

@ArgsType()
export class WebhookIdArgs {
  @Field(() => ID)
  @IsString()
  @MaxLength(64)
  id!: string;
}

/** A page of a webhook's delivery history, newest first. */
@ArgsType()
export class WebhookDeliveriesArgs extends PageArgs {
  @Field(() => ID)
  @IsString()
  @MaxLength(64)
  webhook!: string;
}

@ArgsType()
export class RedeliverWebhookArgs {
  @Field(() => ID)
  @IsString()
  @MaxLength(300)
  delivery!: string;
}
