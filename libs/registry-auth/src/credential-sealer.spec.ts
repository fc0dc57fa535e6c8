import { createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import {
  CredentialSealer,
  CredentialUnsealError,
  SealingKeyError,
  generateSealingKey,
  parseSealingKey,
} from './credential-sealer.js';
import { makeCredentials, validateCredentials } from './registry-credentials.js';

const SECRET = 'Very-S3cret-passw0rd';
const keyText = generateSealingKey();
const sealer = CredentialSealer.fromText(keyText);
const alice = validateCredentials({ username: 'alice', password: SECRET });

function unsealError(fn: () => unknown): CredentialUnsealError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CredentialUnsealError);
    return error as CredentialUnsealError;
  }
  throw new Error('expected a throw');
}

function expectNoSecret(error: Error, ...secrets: string[]): void {
  for (const text of [error.message, inspect(error), JSON.stringify(error), String(error.stack)]) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
}

const plain = (c: { username?: string; password?: string; identityToken?: string }) => ({ ...c });

describe('parseSealingKey and generateSealingKey', () => {
  const bytes = randomBytes(32);

  it.each([
    ['base64', bytes.toString('base64')],
    ['base64 without padding', bytes.toString('base64').replace(/=+$/, '')],
    ['base64url', bytes.toString('base64url')],
    ['hex', bytes.toString('hex')],
    ['upper-case hex', bytes.toString('hex').toUpperCase()],
    ['base64 with surrounding whitespace', ` ${bytes.toString('base64')}\n`],
  ])('reads %s', (_, text) => {
    expect(parseSealingKey(text).export().equals(bytes)).toBe(true);
  });

  it('generates 32 random bytes as base64', () => {
    expect(keyText).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(parseSealingKey(keyText).symmetricKeySize).toBe(32);
    expect(generateSealingKey()).not.toBe(keyText);
  });

  it.each([
    ['empty', '', /is empty/],
    ['too short', randomBytes(16).toString('base64'), /decodes to 16 bytes, not 32/],
    ['too long hex', randomBytes(33).toString('hex'), /decodes to 49 bytes|neither/],
    [
      'not base64 nor hex',
      `${'!'.repeat(10)}${randomBytes(32).toString('base64')}`,
      /neither hex nor base64/,
    ],
    ['mixed alphabets', 'ab+c_' + 'A'.repeat(39), /neither hex nor base64/],
  ])('refuses a key that is %s, without quoting it', (_, text, message) => {
    let error: unknown;
    try {
      parseSealingKey(text, 'STEVEDORE_CREDENTIALS_KEY');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SealingKeyError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/^STEVEDORE_CREDENTIALS_KEY /);
    if (text.length > 4) expectNoSecret(error as Error, text.trim().slice(4, 20));
  });
});

describe('CredentialSealer', () => {
  it('round-trips every credential shape', () => {
    for (const credentials of [
      alice,
      validateCredentials({ identityToken: SECRET }),
      validateCredentials({ identityToken: SECRET, username: '<token>' }),
    ]) {
      const sealed = sealer.seal(credentials);
      expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
      expect(sealed).not.toContain(SECRET);
      expect(plain(sealer.unseal(sealed))).toEqual(plain(credentials));
    }
  });

  it('round-trips arbitrary strings, with associated data', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, unit: 'binary' }),
        fc.string({ minLength: 1, unit: 'binary' }),
        fc.string({ unit: 'binary' }),
        (username, password, associatedData) => {
          const credentials = makeCredentials({ username, password });
          const sealed = sealer.seal(credentials, { associatedData });
          expect(plain(sealer.unseal(sealed, { associatedData }))).toEqual({ username, password });
        },
      ),
    );
  });

  it('uses a fresh IV for each seal and hides the exact length', () => {
    const a = sealer.seal(alice);
    const b = sealer.seal(alice);
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
    const short = sealer.seal(makeCredentials({ username: 'a', password: 'b' }));
    const longer = sealer.seal(makeCredentials({ username: 'a', password: 'b'.repeat(20) }));
    expect(short.length).toBe(longer.length);
  });

  it('detects any altered byte', () => {
    const sealed = sealer.seal(alice, { associatedData: 'job-1' });
    const [version, ...parts] = sealed.split('.');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (part, at, xor) => {
          const bytes = Buffer.from(parts[part], 'base64url');
          bytes[at % bytes.length] ^= xor;
          const altered = [...parts];
          altered[part] = bytes.toString('base64url');
          const error = unsealError(() =>
            sealer.unseal([version, ...altered].join('.'), { associatedData: 'job-1' }),
          );
          expect(error.reason).toBe('rejected');
          expectNoSecret(error, SECRET);
        },
      ),
    );
  });

  it('refuses another key, naming no secret', () => {
    const other = CredentialSealer.fromText(generateSealingKey());
    const error = unsealError(() => other.unseal(sealer.seal(alice)));
    expect(error.reason).toBe('rejected');
    expect(error.message).toMatch(/another key or for another job, or were altered/);
    expectNoSecret(error, SECRET, keyText);
  });

  it('binds the sealed text to its associated data', () => {
    const sealed = sealer.seal(alice, { associatedData: 'pull:docker.io/library/nginx:1.27' });
    expect(sealer.unseal(sealed, { associatedData: 'pull:docker.io/library/nginx:1.27' }).password).toBe(
      SECRET,
    );
    for (const associatedData of [
      'pull:docker.io/library/nginx:1.28',
      'push:docker.io/library/nginx:1.27',
      undefined,
    ]) {
      expect(unsealError(() => sealer.unseal(sealed, { associatedData })).reason).toBe('rejected');
    }
    expect(unsealError(() => sealer.unseal(sealer.seal(alice), { associatedData: 'x' })).reason).toBe(
      'rejected',
    );
  });

  describe('during a key rotation (new key, previous = old key)', () => {
    const oldKey = parseSealingKey(generateSealingKey());
    const newKey = parseSealingKey(generateSealingKey());
    const rotating = new CredentialSealer(newKey, { previousKeys: [oldKey] });

    it('opens what the old key sealed', () => {
      const sealedOld = new CredentialSealer(oldKey).seal(alice, { associatedData: 'job-1' });
      expect(rotating.unseal(sealedOld, { associatedData: 'job-1' }).password).toBe(SECRET);
    });

    it('opens what the new key sealed', () => {
      expect(rotating.unseal(new CredentialSealer(newKey).seal(alice)).password).toBe(SECRET);
      expect(rotating.unseal(rotating.seal(alice)).password).toBe(SECRET);
    });

    it('refuses a key it does not know with the usual error, naming no secret', () => {
      const stranger = new CredentialSealer(parseSealingKey(generateSealingKey()));
      const error = unsealError(() => rotating.unseal(stranger.seal(alice)));
      expect(error.reason).toBe('rejected');
      expect(error.message).toMatch(/another key or for another job, or were altered/);
      expectNoSecret(error, SECRET, oldKey.export().toString('base64'), newKey.export().toString('base64'));
    });

    it('never seals with the previous key', () => {
      for (let i = 0; i < 20; i++) {
        const sealed = rotating.seal(alice);
        expect(new CredentialSealer(newKey).unseal(sealed).password).toBe(SECRET);
        expect(unsealError(() => new CredentialSealer(oldKey).unseal(sealed)).reason).toBe('rejected');
      }
    });

    it('still binds the associated data under the previous key', () => {
      const sealedOld = new CredentialSealer(oldKey).seal(alice, { associatedData: 'job-1' });
      expect(unsealError(() => rotating.unseal(sealedOld, { associatedData: 'job-2' })).reason).toBe(
        'rejected',
      );
    });

    it('refuses a previous key that is not 32 bytes', () => {
      const short = { type: 'secret', symmetricKeySize: 16 } as never;
      expect(() => new CredentialSealer(newKey, { previousKeys: [short] })).toThrow(SealingKeyError);
    });
  });

  it.each([
    ['empty', ''],
    ['one part', 'v1'],
    ['too few parts', 'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['too many parts', `${sealer.seal(alice)}.AA`],
    ['a bad IV length', 'v1.AAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA'],
    ['no ciphertext', 'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.'],
    ['padding', `${sealer.seal(alice)}=`],
    ['a non-canonical tail', 'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAB.AAAA'],
    ['characters outside base64url', 'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AA+/'],
    ['huge', `v1.${'A'.repeat(70000)}`],
    ['not a string', 42 as unknown as string],
  ])('refuses %s as malformed', (_, text) => {
    expect(unsealError(() => sealer.unseal(text)).reason).toBe('malformed');
  });

  it('names an unknown version', () => {
    const [, ...rest] = sealer.seal(alice).split('.');
    const error = unsealError(() => sealer.unseal(['v2', ...rest].join('.')));
    expect(error.reason).toBe('unsupported-version');
    expect(error.message).toMatch(/format v2/);
  });

  it('never prints its key', () => {
    const key = parseSealingKey(keyText);
    const raw = key.export();
    for (const text of [
      JSON.stringify({ sealer }),
      inspect(sealer, { showHidden: true, depth: 9 }),
      inspect(key),
    ]) {
      expect(text).not.toContain(keyText);
      expect(text).not.toContain(raw.toString('hex'));
    }
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new CredentialSealer(parseSealingKey(keyText), { previousKeys: [] })).not.toThrow();
    const short = { type: 'secret', symmetricKeySize: 16 } as never;
    expect(() => new CredentialSealer(short)).toThrow(SealingKeyError);
  });

  it('gives unsealed credentials redacted', () => {
    const unsealed = sealer.unseal(sealer.seal(alice));
    expect(JSON.stringify(unsealed)).not.toContain(SECRET);
    expect(inspect(unsealed)).not.toContain(SECRET);
    expect(Object.isFrozen(unsealed)).toBe(true);
  });
});

describe('CredentialSealer.fingerprint', () => {
  const alice = makeCredentials({ username: 'alice', password: 'correct horse' });

  it('is the same for the same credentials and key, and differs for other credentials', () => {
    const sealer = CredentialSealer.fromText(generateSealingKey());
    expect(sealer.fingerprint(alice)).toBe(
      sealer.fingerprint(makeCredentials({ username: 'alice', password: 'correct horse' })),
    );
    expect(sealer.fingerprint(alice)).not.toBe(
      sealer.fingerprint(makeCredentials({ username: 'alice', password: 'wrong' })),
    );
    expect(sealer.fingerprint(alice)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('cannot be recomputed without the key: no unkeyed hash of the credentials', () => {
    const one = CredentialSealer.fromText(generateSealingKey());
    const other = CredentialSealer.fromText(generateSealingKey());
    expect(one.fingerprint(alice)).not.toBe(other.fingerprint(alice));
    const plain = createHash('sha256')
      .update(JSON.stringify(['alice', 'correct horse', null]))
      .digest('hex');
    expect(one.fingerprint(alice)).not.toBe(plain);
  });
});
