import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { RegistryBrowser, RegistryDirectory } from '#libs/registry';
import { RegistriesService } from '../registries.service.js';
import { Serves } from '../../operations/serves.decorator.js';
import { AddRegistryInput, NamePageArgs, RemoteImageArgs, RepositoryArgs } from '../dto/registry.args.js';
import { Registry, RemoteTagConnection, RepositoryConnection } from '../models/registry.model.js';
import { RemoteImage } from '../models/remote-image.model.js';
import {
  addRegistry,
  listRegistries,
  readRegistry,
  readRemoteImage,
  readRepository,
  removeRegistry,
  searchImages,
} from '../registry.operations.js';
import {
  registryView,
  remoteImageView,
  repositoriesView,
  searchResultView,
  tagsView,
} from '../registry-views.js';
import { SearchFilter, SearchImagesArgs } from '../dto/search.args.js';
import { SearchResult } from '../models/search-result.model.js';

class RemovedRegistry {
  @ApiProperty({ description: 'False when the API held no such registry.' })
  removed!: boolean;
}

/** The REST mirror of the registry operations. */
@ApiTags('registries')
@ApiBearerAuth()
@Controller('api/v1')
export class RegistriesController {
  constructor(
    private readonly browser: RegistryBrowser,
    private readonly directory: RegistryDirectory,
    private readonly service: RegistriesService,
  ) {}

  @Get('registries')
  @Serves(listRegistries)
  @ApiOkResponse({ type: [Registry] })
  async list(): Promise<Registry[]> {
    return (await this.browser.registries()).map(registryView);
  }

  @Get('registries/:name/repositories')
  @Serves(readRegistry)
  @ApiOkResponse({ type: RepositoryConnection })
  async repositories(
    @Param('name') name: string,
    @Query() page: NamePageArgs,
  ): Promise<RepositoryConnection> {
    return repositoriesView(name, await this.browser.repositories(name, page));
  }

  @Get('repositories/tags')
  @Serves(readRepository)
  @ApiOkResponse({ type: RemoteTagConnection })
  async tags(@Query() args: RepositoryArgs, @Query() page: NamePageArgs): Promise<RemoteTagConnection> {
    return tagsView(args.ref, await this.browser.tags(args.ref, page));
  }

  @Get('remote-images')
  @Serves(readRemoteImage)
  @ApiOkResponse({ type: RemoteImage })
  async remoteImage(@Query() args: RemoteImageArgs): Promise<RemoteImage> {
    return remoteImageView(await this.service.remoteImage(args.ref, args.platform));
  }

  @Get('search')
  @Serves(searchImages)
  @ApiOkResponse({ type: [SearchResult] })
  async search(@Query() args: SearchImagesArgs, @Query() filter: SearchFilter): Promise<SearchResult[]> {
    const found = await this.service.search({
      ...args,
      official: filter.official,
      minStars: filter.minStars,
    });
    return found.map(searchResultView);
  }

  @Post('registries')
  @Serves(addRegistry)
  @ApiCreatedResponse({ type: Registry })
  async add(@Body() input: AddRegistryInput): Promise<Registry> {
    return registryView(await this.service.add(input));
  }

  @Delete('registries/:name')
  @HttpCode(200)
  @Serves(removeRegistry)
  @ApiOkResponse({ type: RemovedRegistry })
  async remove(@Param('name') name: string): Promise<RemovedRegistry> {
    return { removed: await this.directory.remove(name) };
  }
}
