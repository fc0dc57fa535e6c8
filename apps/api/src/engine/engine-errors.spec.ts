import {
  BadUserInputError,
  ImageHasMultipleTagsError,
  ImageInUseError,
  ImageNotFoundError,
} from '#libs/errors';
import { engineMessage } from './engine-errors.js';

const IMAGE = `sha256:${'5715366a23a3'.padEnd(64, '0')}`;
const CONTAINER = 'a87e578809fd'.padEnd(64, '1');

describe("Engine API error messages: the daemon's words where tools read them", () => {
  it('says No such image, which makes docker run offer to pull', () => {
    const error = new ImageNotFoundError('nope:1');
    expect(engineMessage(error, error.message)).toBe('No such image: nope:1');
  });

  it('refuses to remove the last name of an image a container uses, as the daemon does', () => {
    const error = new ImageInUseError('foo/inuse:1', ['c3 (created)'], 'advice', {
      imageId: IMAGE,
      containerIds: [CONTAINER],
      running: false,
      byName: true,
    });
    expect(engineMessage(error, error.message)).toBe(
      'conflict: unable to remove repository reference "foo/inuse:1" (must force) - container a87e578809fd is using its referenced image 5715366a23a3',
    );
  });

  it('refuses by id for a stopped container (must be forced) and a running one (cannot be forced)', () => {
    const usage = { imageId: IMAGE, containerIds: [CONTAINER], byName: false };
    const stopped = new ImageInUseError('5715366a23a3', [], 'advice', { ...usage, running: false });
    const running = new ImageInUseError('5715366a23a3', [], 'advice', { ...usage, running: true });
    expect(engineMessage(stopped, '')).toBe(
      'conflict: unable to delete 5715366a23a3 (must be forced) - image is being used by stopped container a87e578809fd',
    );
    expect(engineMessage(running, '')).toBe(
      'conflict: unable to delete 5715366a23a3 (cannot be forced) - image is being used by running container a87e578809fd',
    );
  });

  it('refuses an id with several names', () => {
    const error = new ImageHasMultipleTagsError('5715366a23a3', ['a:1', 'b:1'], IMAGE);
    expect(engineMessage(error, error.message)).toBe(
      'conflict: unable to delete 5715366a23a3 (must be forced) - image is referenced in multiple repositories',
    );
  });

  it("keeps the contract's message for everything else, a conflict still marked as one", () => {
    const input = new BadUserInputError('first must be positive.');
    expect(engineMessage(input, input.message)).toBe('first must be positive.');
    const raced = new ImageInUseError('the image', [], 'a container was made meanwhile');
    expect(engineMessage(raced, raced.message)).toBe(`conflict: ${raced.message}`);
  });
});
