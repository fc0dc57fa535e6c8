import { FleetKeys } from './host-keys.js';
import { parseHostName } from './host-name.js';

describe('FleetKeys', () => {
  const keys = new FleetKeys('stevedore');

  it('puts every key of a host under one hash tag and the ACL pattern of that host only', () => {
    expect(keys.hostRecord('build-01')).toBe('stevedore:{host:build-01}:record');
    expect(keys.hostQueuePrefix('build-01')).toBe('stevedore:{host:build-01}');
    expect(keys.hostKeyPattern('build-01')).toBe('stevedore:{host:build-01}:*');
    // The pattern of one host matches no key of another, even one whose name starts the same.
    const pattern = new RegExp(
      `^${keys.hostKeyPattern('build-1').replace(/[{}]/g, '\\$&').replace('*', '.*')}$`,
    );
    expect(pattern.test(keys.hostRecord('build-1'))).toBe(true);
    expect(pattern.test(keys.hostRecord('build-10'))).toBe(false);
  });

  it('reads the host back from a record key, and nothing from other keys', () => {
    expect(keys.hostOfRecord(keys.hostRecord('edge.eu-1'))).toBe('edge.eu-1');
    expect(keys.hostOfRecord('stevedore:registries')).toBeNull();
    expect(keys.hostOfRecord('other:{host:a}:record')).toBeNull();
  });

  it('names each host a changes channel, all of them matched by one pattern', () => {
    expect(keys.hostChanges('edge-1')).toBe('stevedore:{host:edge-1}:changes');
    expect(keys.changesPattern()).toBe('stevedore:{host:*}:changes');
    expect(keys.hostOfChanges(keys.hostChanges('edge-1'))).toBe('edge-1');
    expect(keys.hostOfChanges(keys.hostRecord('edge-1'))).toBeNull();
    // PSUBSCRIBE's * spans anything: a channel that is no host's yields no host.
    expect(keys.hostOfChanges('stevedore:{host:a}:x:{host:b}:changes')).toBeNull();
  });

  it('keeps the catalogue and the image facts under the host pattern', () => {
    for (const key of [keys.hostCatalogue('a'), keys.hostImageFacts('a'), keys.hostChanges('a')]) {
      expect(key.startsWith('stevedore:{host:a}:')).toBe(true);
    }
  });
});

describe('parseHostName', () => {
  it.each(['a', 'build-01', 'edge.eu-1', 'node_7', 'x'.repeat(63)])('accepts %s', (name) => {
    expect(parseHostName(name)).toBe(name);
  });

  it.each(['', 'Build', '-a', 'a-', 'a*', 'a?', 'a[1]', 'a{b}', 'a:b', 'a b', 'x'.repeat(64), 'é'])(
    'refuses %j with BAD_USER_INPUT',
    (name) => {
      expect(() => parseHostName(name)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    },
  );
});
