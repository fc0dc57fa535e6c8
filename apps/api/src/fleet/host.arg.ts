import { Args } from '@nestjs/graphql';

/**
 * The `host` argument of every image, layer, tag and disk-usage field: the host's name, which
 * defaults to the only host when there is one (HostCatalogues.resolve checks it).
 */
export function HostArg(): ParameterDecorator {
  return Args('host', {
    type: () => String,
    nullable: true,
    description: 'The Docker host (see hosts); may be left out when there is only one.',
  });
}
