import type { ImageRecord } from '#libs/catalogue';
import { imageSummary } from './engine-views.js';

function image(overrides: Partial<ImageRecord>): ImageRecord {
  return {
    id: 'sha256:1',
    parentId: '',
    repoTags: [],
    repoDigests: [],
    labels: {},
    created: new Date(1_796_208_804_000),
    size: 655_360,
    ...overrides,
  } as ImageRecord;
}

describe("image list rows in the daemon's shape", () => {
  it('shows <none> placeholders for an image with no name at all, as the daemon lists them', () => {
    expect(imageSummary(image({}))).toEqual({
      Containers: -1,
      Created: 1_796_208_804,
      Id: 'sha256:1',
      Labels: null,
      ParentId: '',
      RepoDigests: ['<none>@<none>'],
      RepoTags: ['<none>:<none>'],
      SharedSize: -1,
      Size: 655_360,
      VirtualSize: 655_360,
    });
  });

  it('writes null, not [], for a tagged image without digests', () => {
    const row = imageSummary(image({ repoTags: ['app:1'], labels: { a: 'b' } }));
    expect(row.RepoDigests).toBeNull();
    expect(row.RepoTags).toEqual(['app:1']);
    expect(row.Labels).toEqual({ a: 'b' });
  });

  it('keeps only the names a reference filter matched', () => {
    const row = imageSummary(
      image({ repoTags: ['app:1', 'other:1'], repoDigests: ['app@sha256:abc', 'other@sha256:abc'] }),
      { names: (name) => name.startsWith('app') },
    );
    expect(row.RepoTags).toEqual(['app:1']);
    expect(row.RepoDigests).toEqual(['app@sha256:abc']);
  });
});
