import { isDigest } from './digest.js';
import { isIdentifier } from './grammar.js';
import type { ImageReference } from './image-reference.js';
import { parseReference } from './parse-reference.js';

/** What `docker image inspect <x>` may mean by its argument. */
export type ImageLookup =
  /** A full image ID, always with its algorithm: `sha256:<64 hex>`. */
  | { readonly kind: 'id'; readonly id: string }
  /**
   * 1 to 63 lowercase hex digits, alone or after `sha256:`: an ID prefix, and also a valid reference (`abc123`
   * is `docker.io/library/abc123`, `sha256:abc` is repository `sha256` with tag `abc`). The daemon looks up the
   * reference first and then the ID prefix; so should the caller. `prefix` is the hex digits only.
   */
  | { readonly kind: 'idPrefixOrName'; readonly prefix: string; readonly reference: ImageReference }
  | { readonly kind: 'reference'; readonly reference: ImageReference };

/** At most 63 digits: 64 would be a full ID. Bounded, so the regexp cannot backtrack far. */
const ID_PREFIX = /^(?:sha256:)?([a-f0-9]{1,63})$/;

/**
 * Classifies an image argument like the daemon's GetImage does with `ParseAnyReference`: a bare 64-hex
 * identifier or a valid digest is an image ID, anything else is parsed as a reference.
 *
 * @throws InvalidReferenceError when the input is neither an ID nor a valid reference.
 */
export function parseImageLookup(input: string): ImageLookup {
  if (typeof input === 'string') {
    if (isIdentifier(input)) return { kind: 'id', id: `sha256:${input}` };
    if (isDigest(input)) return { kind: 'id', id: input };
    const prefix = ID_PREFIX.exec(input)?.[1];
    if (prefix !== undefined) return { kind: 'idPrefixOrName', prefix, reference: parseReference(input) };
  }
  return { kind: 'reference', reference: parseReference(input) };
}
