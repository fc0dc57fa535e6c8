import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { RegistryBrowser, RegistryDirectory, repositoryName } from '#libs/registry';
import { RegistriesService } from './registries.service.js';
import { Serves } from '../operations/serves.decorator.js';
import {
  AddRegistryArgs,
  NamePageArgs,
  RegistryNameArgs,
  RemoteImageArgs,
  RepositoryArgs,
} from './dto/registry.args.js';
import {
  Registry,
  RemoteTag,
  RemoteTagConnection,
  Repository,
  RepositoryConnection,
} from './models/registry.model.js';
import { RemoteImage } from './models/remote-image.model.js';
import {
  addRegistry,
  listRegistries,
  readRegistry,
  readRemoteImage,
  readRepository,
  removeRegistry,
  searchImages,
} from './registry.operations.js';
import {
  registryView,
  remoteImageView,
  repositoriesView,
  searchResultView,
  tagsView,
} from './registry-views.js';
import { SearchImagesArgs } from './dto/search.args.js';
import { SearchResult } from './models/search-result.model.js';

@Resolver(() => Registry)
export class RegistriesResolver {
  constructor(
    private readonly browser: RegistryBrowser,
    private readonly directory: RegistryDirectory,
    private readonly service: RegistriesService,
  ) {}

  @Query(() => [Registry], { description: listRegistries.description })
  @Serves(listRegistries)
  async registries(): Promise<Registry[]> {
    return (await this.browser.registries()).map(registryView);
  }

  @Query(() => Registry, { nullable: true, description: readRegistry.description })
  @Serves(readRegistry)
  async registry(@Args() args: RegistryNameArgs): Promise<Registry | null> {
    const found = await this.browser.registry(args.name);
    return found ? registryView(found) : null;
  }

  @ResolveField(() => RepositoryConnection, { description: 'Repositories from /v2/_catalog.' })
  async repositories(
    @Parent() registry: Registry,
    @Args() page: NamePageArgs,
  ): Promise<RepositoryConnection> {
    return repositoriesView(registry.name, await this.browser.repositories(registry.name, page));
  }

  @Query(() => Repository, { nullable: true, description: readRepository.description })
  @Serves(readRepository)
  repository(@Args() args: RepositoryArgs): Repository {
    return { name: repositoryName(args.ref) };
  }

  @Query(() => RemoteImage, { nullable: true, description: readRemoteImage.description })
  @Serves(readRemoteImage)
  async remoteImage(@Args() args: RemoteImageArgs): Promise<RemoteImage> {
    const image = await this.service.remoteImage(args.ref, args.platform);
    return remoteImageView(image);
  }

  @Query(() => [SearchResult], { description: searchImages.description })
  @Serves(searchImages)
  async searchImages(@Args() args: SearchImagesArgs): Promise<SearchResult[]> {
    const found = await this.service.search({ ...args, ...args.filter });
    return found.map(searchResultView);
  }

  @Mutation(() => Registry, { description: addRegistry.description })
  @Serves(addRegistry)
  async addRegistry(@Args() { input }: AddRegistryArgs): Promise<Registry> {
    return registryView(await this.service.add(input));
  }

  @Mutation(() => Boolean, { description: removeRegistry.description })
  @Serves(removeRegistry)
  removeRegistry(@Args() args: RegistryNameArgs): Promise<boolean> {
    return this.directory.remove(args.name);
  }
}

@Resolver(() => Repository)
export class RepositoryResolver {
  constructor(private readonly browser: RegistryBrowser) {}

  @ResolveField(() => RemoteTagConnection)
  async tags(@Parent() repository: Repository, @Args() page: NamePageArgs): Promise<RemoteTagConnection> {
    return tagsView(repository.name, await this.browser.tags(repository.name, page));
  }
}

@Resolver(() => RemoteTag)
export class RemoteTagResolver {
  constructor(private readonly browser: RegistryBrowser) {}

  @ResolveField(() => String, {
    nullable: true,
    description: 'The digest the tag points at now (a HEAD per tag).',
  })
  digest(@Parent() tag: RemoteTag): Promise<string> {
    return this.browser.tagDigest(tag.repository, tag.name);
  }
}
