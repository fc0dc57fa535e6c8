import { archiveNameOf, artifactOf } from './job-definitions.js';

describe('archiveNameOf', () => {
  it('takes the file name, or only the last part of a path from a job queued before file names', () => {
    expect(archiveNameOf({ fileName: '0b7d.tar' })).toBe('0b7d.tar');
    expect(archiveNameOf({ archivePath: '/state/uploads/0b7d.tar' })).toBe('0b7d.tar');
    // Never a path: ImportArchives then refuses what is not an archive name.
    expect(archiveNameOf({ archivePath: '../../etc/passwd' })).toBe('passwd');
    expect(archiveNameOf({})).toBe('');
  });
});

describe('artifactOf', () => {
  it('names the archive a LOAD job holds, and nothing for other jobs', () => {
    expect(artifactOf('load', { fileName: '0b7d.tar' })).toEqual({
      kind: 'import-archive',
      fileName: '0b7d.tar',
    });
    expect(artifactOf('pull', { ref: 'nginx' })).toBeNull();
    expect(artifactOf('push', { ref: 'nginx' })).toBeNull();
    expect(artifactOf('toString', {})).toBeNull();
    expect(artifactOf('load', null)).toEqual({ kind: 'import-archive', fileName: '' });
  });
});
