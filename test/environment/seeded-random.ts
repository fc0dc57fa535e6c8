/**
 * Deterministic pseudo-random bytes: the same seed gives the same bytes on every machine and run,
 * so fixture files have the same content every time (layer digests still differ: the builder
 * stamps directories and image configs with the build time).
 * xoshiro128** seeded through splitmix32 of an FNV-1a hash of the seed string; fast enough for
 * 50 MB, and its output does not compress, which the pull-progress fixture needs.
 */
export function seededBytes(seed: string, length: number): Buffer {
  const state = seedState(seed);
  const words = new Uint32Array(Math.ceil(length / 4));
  for (let i = 0; i < words.length; i++) words[i] = next(state);
  return Buffer.from(words.buffer, 0, length);
}

function next(s: Uint32Array): number {
  const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
  const t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

function seedState(seed: string): Uint32Array {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(seed, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  const state = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    hash = (hash + 0x9e3779b9) >>> 0;
    let z = hash;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    state[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return state;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
