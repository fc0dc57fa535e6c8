import { Field, ObjectType } from '@nestjs/graphql';
import { Image } from '../../images/models/image.model.js';
import { Host } from './host.model.js';

@ObjectType({ description: 'An image as one host holds it.' })
export class HostImage {
  @Field(() => Host)
  host!: Host;

  @Field(() => Image)
  image!: Image;
}
