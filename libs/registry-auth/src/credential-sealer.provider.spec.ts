import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FactoryProvider } from '@nestjs/common';
import { loadConfig } from '#libs/config';
import {
  CredentialSealer,
  CredentialUnsealError,
  SealingKeyError,
  generateSealingKey,
  parseSealingKey,
} from './credential-sealer.js';
import { validateCredentials } from './registry-credentials.js';
import { credentialSealerProvider } from './credential-sealer.provider.js';

const SECRET = 'Very-S3cret-passw0rd';
const alice = validateCredentials({ username: 'alice', password: SECRET });

let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'stevedore-sealer-provider-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

/** The sealer the api and the workers get, for these variables. */
function sealerFrom(vars: NodeJS.ProcessEnv): CredentialSealer {
  const config = loadConfig({ STEVEDORE_STATE_DIR: stateDir, ...vars });
  return (credentialSealerProvider as FactoryProvider<CredentialSealer>).useFactory(
    config,
  ) as CredentialSealer;
}

const sealerOf = (key: string) => new CredentialSealer(parseSealingKey(key));

function unsealFailure(fn: () => unknown): CredentialUnsealError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CredentialUnsealError);
    return error as CredentialUnsealError;
  }
  throw new Error('expected a throw');
}

describe('credentialSealerProvider: key rotation', () => {
  const oldKey = generateSealingKey();
  const newKey = generateSealingKey();
  const rotation = { STEVEDORE_CREDENTIALS_KEY: newKey, STEVEDORE_CREDENTIALS_PREVIOUS_KEY: oldKey };

  it('opens what the previous key sealed (jobs queued before the rotation)', () => {
    const sealedBefore = sealerOf(oldKey).seal(alice, { associatedData: 'job-1' });
    expect(sealerFrom(rotation).unseal(sealedBefore, { associatedData: 'job-1' }).password).toBe(SECRET);
  });

  it('opens what the current key sealed', () => {
    const sealed = sealerOf(newKey).seal(alice);
    expect(sealerFrom(rotation).unseal(sealed).password).toBe(SECRET);
  });

  it('seals with the current key only, never with the previous one', () => {
    const sealed = sealerFrom(rotation).seal(alice);
    expect(sealerOf(newKey).unseal(sealed).password).toBe(SECRET);
    expect(unsealFailure(() => sealerOf(oldKey).unseal(sealed)).reason).toBe('rejected');
  });

  it('still refuses a key it does not know, with the usual error', () => {
    const sealed = sealerOf(generateSealingKey()).seal(alice);
    const error = unsealFailure(() => sealerFrom(rotation).unseal(sealed));
    expect(error.reason).toBe('rejected');
    expect(error.message).toMatch(/another key or for another job, or were altered/);
    for (const secret of [SECRET, oldKey, newKey]) expect(error.message).not.toContain(secret);
  });

  it('refuses a previous key that is not a key, naming the variable and not the value', () => {
    const bad = 'not-a-key-' + 'x'.repeat(20);
    let error: unknown;
    try {
      sealerFrom({ STEVEDORE_CREDENTIALS_KEY: newKey, STEVEDORE_CREDENTIALS_PREVIOUS_KEY: bad });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SealingKeyError);
    expect((error as Error).message).toMatch(/^STEVEDORE_CREDENTIALS_PREVIOUS_KEY /);
    expect((error as Error).message).not.toContain(bad);
  });

  it('creates no key file while a key is configured', () => {
    sealerFrom(rotation);
    expect(existsSync(join(stateDir, 'credentials.key'))).toBe(false);
  });
});

describe('credentialSealerProvider: the key file in the state folder', () => {
  const keyFile = () => join(stateDir, 'credentials.key');

  it('creates one key (mode 0600) when none is configured, and every later process reads the same', () => {
    const first = sealerFrom({});
    expect(statSync(keyFile()).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile(), 'utf8').trim();
    expect(parseSealingKey(key).symmetricKeySize).toBe(32);
    expect(sealerFrom({}).unseal(first.seal(alice)).password).toBe(SECRET);
    expect(sealerOf(key).unseal(first.seal(alice)).password).toBe(SECRET);
  });

  it('creates the state folder when it is missing', () => {
    rmSync(stateDir, { recursive: true });
    sealerFrom({});
    expect(statSync(keyFile()).isFile()).toBe(true);
  });

  it('moving from the key file to a configured key: the file key as the previous key', () => {
    const sealedWithFile = sealerFrom({}).seal(alice);
    const fileKey = readFileSync(keyFile(), 'utf8').trim();
    const configured = sealerFrom({
      STEVEDORE_CREDENTIALS_KEY: generateSealingKey(),
      STEVEDORE_CREDENTIALS_PREVIOUS_KEY: fileKey,
    });
    expect(configured.unseal(sealedWithFile).password).toBe(SECRET);
  });

  it('with only a previous key configured, seals with the key file and still opens the previous', () => {
    const oldKey = generateSealingKey();
    const sealer = sealerFrom({ STEVEDORE_CREDENTIALS_PREVIOUS_KEY: oldKey });
    expect(sealer.unseal(sealerOf(oldKey).seal(alice)).password).toBe(SECRET);
    const fileKey = readFileSync(keyFile(), 'utf8').trim();
    expect(sealerOf(fileKey).unseal(sealer.seal(alice)).password).toBe(SECRET);
  });

  it('refuses an empty key file by its path, instead of sealing with nothing', () => {
    writeFileSync(keyFile(), '', { mode: 0o600 });
    expect(() => sealerFrom({})).toThrow(keyFile());
  });
});
