import { parseRegistriesFile } from './registries-file.js';

describe('parseRegistriesFile', () => {
  it('reads YAML and JSON entries, names normalised, credentials checked', () => {
    const yaml = [
      'registries:',
      '  - name: https://Registry.Example.com/v2/',
      '    username: ci',
      '    password: s3cret',
      '  - name: index.docker.io',
      '    identityToken: tok',
      '  - name: registry.lan:5000',
      '    insecure: true',
    ].join('\n');
    const entries = parseRegistriesFile('r.yaml', yaml);
    expect(entries.map(({ name, source, insecure }) => ({ name, source, insecure }))).toEqual([
      { name: 'registry.example.com', source: 'CONFIG_FILE', insecure: false },
      { name: 'docker.io', source: 'CONFIG_FILE', insecure: false },
      { name: 'registry.lan:5000', source: 'CONFIG_FILE', insecure: true },
    ]);
    expect(entries[0]!.credentials?.password).toBe('s3cret');
    expect(entries[1]!.credentials?.identityToken).toBe('tok');
    expect(parseRegistriesFile('r.json', '{"registries":[{"name":"ghcr.io"}]}')).toHaveLength(1);
  });

  it('stops with a message naming the file and entry, never a credential', () => {
    const cases = [
      ['registries: [', 'neither JSON nor YAML'],
      ['{}', 'needs a "registries" list'],
      ['registries:\n  - name: "bad host!"', 'entry 1'],
      ['registries:\n  - name: a.example\n  - name: A.example', 'a second time'],
      ['registries:\n  - name: a.example\n    password: hunter2', 'needs the entry.username'],
      ['registries:\n  - name: a.example\n    insecure: "yes"', 'insecure must be true or false'],
    ];
    for (const [text, message] of cases) {
      let thrown: Error | undefined;
      try {
        parseRegistriesFile('r.yaml', text!);
      } catch (error) {
        thrown = error as Error;
      }
      expect(thrown?.message).toContain(message);
      expect(thrown?.message).toContain('r.yaml');
      expect(thrown?.message).not.toContain('hunter2');
    }
  });
});
