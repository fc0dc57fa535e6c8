import type { ImageRecord } from '#libs/catalogue';
import { toImage } from '../models/image.mapper.js';
import type { ImageDto } from './image.dto.js';

/** The GraphQL shape without the tag → image back-pointers, which JSON cannot carry. */
export function toImageDto(record: ImageRecord): ImageDto {
  const { tags, created, ...image } = toImage(record);
  return {
    ...image,
    created: created.toISOString(),
    tags: tags.map(({ image: _image, ...tag }) => tag),
  };
}
