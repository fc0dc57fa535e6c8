import { HostProperty } from '../host-property.decorator.js';

/** `?host=`: the Docker host a REST read is about; may be left out when there is only one. */
export class HostQuery {
  @HostProperty({ graphql: false })
  host?: string;
}
