import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { SecretFileError, readOrCreateSecretFile } from './secret-file.js';

const PROCESSES = 8;
const ROUNDS = 40;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stevedore-secret-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

/**
 * A child process that, on a signal on stdin, calls readOrCreateSecretFile for `secret-0` …
 * `secret-<rounds-1>`, every process starting round i at the same moment, and prints what it got.
 */
const CHILD = `
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readOrCreateSecretFile } from './secret-file.mjs';

const [dir, rounds] = [process.argv[2], Number(process.argv[3])];
process.stdin.once('data', (chunk) => {
  const startAt = Number(String(chunk).trim());
  const results = [];
  for (let round = 0; round < rounds; round++) {
    while (Date.now() < startAt + round * 5) {
      // spin: all processes try the same file at once
    }
    try {
      results.push(readOrCreateSecretFile(join(dir, 'secret-' + round), () => randomBytes(32).toString('base64')));
    } catch (error) {
      results.push('ERROR ' + error.message);
    }
  }
  process.stdout.write(JSON.stringify(results) + '\\n', () => process.exit(0));
});
process.stdout.write('ready\\n');
`;

/** The helper, compiled on its own (it imports only Node built-ins), beside the child script. */
function compiledHelper(into: string): void {
  const source = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'secret-file.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  writeFileSync(join(into, 'secret-file.mjs'), outputText);
  writeFileSync(join(into, 'child.mjs'), CHILD);
}

/** Starts the children, waits until each is ready, starts them together; what each got, per round. */
async function raceInChildProcesses(code: string, secrets: string): Promise<string[][]> {
  const children = Array.from({ length: PROCESSES }, () => {
    const child = spawn(process.execPath, [join(code, 'child.mjs'), secrets, String(ROUNDS)], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { PATH: process.env.PATH },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => output.includes('ready\n') && resolve());
      child.once('exit', (status) => reject(new Error(`child exited (${status}) before it was ready`)));
    });
    const done = new Promise<string[]>((resolve, reject) =>
      child.once('exit', (status) => {
        const last = output.trim().split('\n').pop() ?? '';
        if (status === 0 && last.startsWith('[')) resolve(JSON.parse(last) as string[]);
        else reject(new Error(`child exited with ${status}: ${output}`));
      }),
    );
    return { child, ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  const startAt = String(Date.now() + 200);
  for (const { child } of children) child.stdin.end(`${startAt}\n`);
  return Promise.all(children.map((c) => c.done));
}

describe('readOrCreateSecretFile', () => {
  it(`gives ${PROCESSES} processes creating the same files at once one complete value each time, mode 0600`, async () => {
    const code = mkdtempSync(join(tmpdir(), 'stevedore-secret-file-code-'));
    try {
      compiledHelper(code);
      const secrets = join(dir, 'state'); // missing: created by the first process
      const perProcess = await raceInChildProcesses(code, secrets);

      const problems: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const file = join(secrets, `secret-${round}`);
        const stored = readFileSync(file, 'utf8');
        const seen = new Set(perProcess.map((results) => results[round]));
        if (!/^[A-Za-z0-9+/]{43}=\n$/.test(stored)) problems.push(`${file} holds ${JSON.stringify(stored)}`);
        if (seen.size !== 1 || !seen.has(stored.trim()))
          problems.push(`round ${round}: processes got ${JSON.stringify([...seen])}, file ${stored.trim()}`);
        if (mode(file) !== 0o600) problems.push(`${file} has mode ${mode(file).toString(8)}`);
      }
      expect(problems).toEqual([]);
      // Temporary files are gone, and the folder was created private.
      expect(readdirSync(secrets).sort()).toEqual(
        Array.from({ length: ROUNDS }, (_, round) => `secret-${round}`).sort(),
      );
      expect(mode(secrets)).toBe(0o700);
    } finally {
      rmSync(code, { recursive: true, force: true });
    }
  });

  it('creates the file once (mode 0600, one line) and reads it from then on', () => {
    const file = join(dir, 'nested', 'secret');
    let calls = 0;
    const generate = () => `value-${++calls}`;
    expect(readOrCreateSecretFile(file, generate)).toBe('value-1');
    expect(readOrCreateSecretFile(file, generate)).toBe('value-1');
    expect(calls).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe('value-1\n');
    expect(mode(file)).toBe(0o600);
  });

  it('is mode 0600 whatever the umask', () => {
    const previous = process.umask(0);
    try {
      readOrCreateSecretFile(join(dir, 'secret'), () => 'value');
    } finally {
      process.umask(previous);
    }
    expect(mode(join(dir, 'secret'))).toBe(0o600);
  });

  it('reads an existing file, trimmed, and never overwrites it', () => {
    const file = join(dir, 'secret');
    writeFileSync(file, '  configured-before \n', { mode: 0o600 });
    expect(readOrCreateSecretFile(file, () => 'other')).toBe('configured-before');
    expect(readFileSync(file, 'utf8')).toBe('  configured-before \n');
  });

  it('refuses an empty file, naming it', () => {
    const file = join(dir, 'secret');
    writeFileSync(file, '\n', { mode: 0o600 });
    expect(() => readOrCreateSecretFile(file, () => 'value')).toThrow(SecretFileError);
    expect(() => readOrCreateSecretFile(file, () => 'value')).toThrow(`${file} is empty`);
  });

  it('refuses to store an empty or multi-line value, without quoting it', () => {
    expect(() => readOrCreateSecretFile(join(dir, 'a'), () => ' ')).toThrow(SecretFileError);
    let error: unknown;
    try {
      readOrCreateSecretFile(join(dir, 'b'), () => 'xyzzy\nplugh');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SecretFileError);
    expect((error as Error).message).toMatch(/spans lines/);
    expect((error as Error).message).not.toMatch(/xyzzy|plugh/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
