import { jest } from '@jest/globals';
import fc from 'fast-check';
import { ProgressThrottle } from './progress-throttle.js';

/** An emit that records when each call started and ended, how many overlapped, and can be slow. */
function recorder(durationMs = 0) {
  const calls: Array<{ value: number; startedAt: number; endedAt?: number }> = [];
  let running = 0;
  let maxRunning = 0;
  const emit = async (value: number) => {
    const call: { value: number; startedAt: number; endedAt?: number } = { value, startedAt: Date.now() };
    calls.push(call);
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    if (durationMs > 0) await new Promise((resolve) => setTimeout(resolve, durationMs));
    running -= 1;
    call.endedAt = Date.now();
  };
  return { emit, calls, values: () => calls.map((call) => call.value), maxRunning: () => maxRunning };
}

describe('ProgressThrottle', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('emits the first value at once and only the latest one at the end of the interval', async () => {
    const { emit, values, calls } = recorder();
    const throttle = new ProgressThrottle(100, emit);
    for (const value of [1, 2, 3, 4]) throttle.push(value);
    await jest.advanceTimersByTimeAsync(0);
    expect(values()).toEqual([1]);
    await jest.advanceTimersByTimeAsync(99);
    expect(values()).toEqual([1]);
    await jest.advanceTimersByTimeAsync(1);
    expect(values()).toEqual([1, 4]);
    expect(calls.map((call) => call.startedAt)).toEqual([0, 100]);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(values()).toEqual([1, 4]);
  });

  it('emits at once again after a quiet interval (leading edge)', async () => {
    const { emit, calls } = recorder();
    const throttle = new ProgressThrottle(100, emit);
    throttle.push(1);
    await jest.advanceTimersByTimeAsync(500);
    throttle.push(2);
    await jest.advanceTimersByTimeAsync(0);
    expect(calls.map((call) => [call.value, call.startedAt])).toEqual([
      [1, 0],
      [2, 500],
    ]);
  });

  it('emits at most once per interval under a steady stream of values', async () => {
    const { emit, calls } = recorder();
    const throttle = new ProgressThrottle(100, emit);
    for (let value = 1; value <= 100; value += 1) {
      throttle.push(value);
      await jest.advanceTimersByTimeAsync(10);
    }
    await throttle.flush();
    const starts = calls.map((call) => call.startedAt);
    for (let i = 1; i < starts.length - 1; i += 1)
      expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(100);
    expect(calls.length).toBeLessThanOrEqual(12);
    expect(calls.at(-1)!.value).toBe(100);
  });

  it('never runs two emits at once, and keeps their order, when emits are slower than the interval', async () => {
    const { emit, calls, values, maxRunning } = recorder(250);
    const throttle = new ProgressThrottle(50, emit);
    for (let value = 1; value <= 40; value += 1) {
      throttle.push(value);
      await jest.advanceTimersByTimeAsync(20);
    }
    const flushed = throttle.flush();
    await jest.advanceTimersByTimeAsync(1_000);
    await flushed;
    expect(maxRunning()).toBe(1);
    expect(values()).toEqual([...values()].sort((a, b) => a - b));
    expect(values().at(-1)).toBe(40);
    for (let i = 1; i < calls.length; i += 1)
      expect(calls[i]!.startedAt).toBeGreaterThanOrEqual(calls[i - 1]!.endedAt!);
  });

  it('flush() sends the waiting value now and resolves once it has been emitted', async () => {
    const { emit, calls } = recorder(30);
    const throttle = new ProgressThrottle(1_000, emit);
    throttle.push(1);
    throttle.push(2);
    let flushed = false;
    const flushing = throttle.flush().then(() => (flushed = true));
    await jest.advanceTimersByTimeAsync(30);
    // 1 was in flight; 2 goes out as soon as it is done, without waiting for the interval.
    expect(calls.map((call) => [call.value, call.startedAt])).toEqual([
      [1, 0],
      [2, 30],
    ]);
    expect(flushed).toBe(false);
    await jest.advanceTimersByTimeAsync(30);
    await flushing;
    expect(calls[1]!.endedAt).toBe(60);
  });

  it('flush() with nothing waiting resolves at once and emits nothing', async () => {
    const { emit, values } = recorder();
    const throttle = new ProgressThrottle(100, emit);
    await throttle.flush();
    expect(values()).toEqual([]);
  });

  it('rejects flush() when its emit fails; reports failures of timed emits to onError', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const throttle = new ProgressThrottle<number>(
      100,
      (value) => {
        if (fail) throw new Error(`emit ${value} failed`);
      },
      (error) => errors.push(error),
    );
    throttle.push(1);
    await jest.advanceTimersByTimeAsync(0);
    expect(errors).toEqual([new Error('emit 1 failed')]);
    throttle.push(2);
    await expect(throttle.flush()).rejects.toThrow('emit 2 failed');
    fail = false;
    throttle.push(3);
    await throttle.flush();
    expect(errors).toHaveLength(1);
  });

  it('close() drops the waiting value and ignores later ones', async () => {
    const { emit, values } = recorder();
    const throttle = new ProgressThrottle(100, emit);
    throttle.push(1);
    throttle.push(2);
    throttle.close();
    throttle.push(3);
    await jest.advanceTimersByTimeAsync(1_000);
    await throttle.flush();
    expect(values()).toEqual([1]);
  });

  it('defaults to 100 ms', async () => {
    const { emit, calls } = recorder();
    const throttle = new ProgressThrottle(undefined, emit);
    throttle.push(1);
    throttle.push(2);
    await jest.advanceTimersByTimeAsync(200);
    expect(calls.map((call) => call.startedAt)).toEqual([0, 100]);
  });

  it('for any schedule of pushes, emits in order, never overlapping, and ends with the last value', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ gapMs: fc.nat({ max: 150 }), flush: fc.boolean() }), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.integer({ min: 1, max: 120 }),
        fc.nat({ max: 200 }),
        async (steps, intervalMs, emitMs) => {
          const { emit, calls, values, maxRunning } = recorder(emitMs);
          const throttle = new ProgressThrottle(intervalMs, emit);
          const flushes: Array<Promise<void>> = [];
          for (const [index, step] of steps.entries()) {
            throttle.push(index);
            if (step.flush) flushes.push(throttle.flush());
            await jest.advanceTimersByTimeAsync(step.gapMs);
          }
          const final = throttle.flush();
          await jest.advanceTimersByTimeAsync(emitMs * (steps.length + 2) + intervalMs);
          await Promise.all([...flushes, final]);
          expect(maxRunning()).toBeLessThanOrEqual(1);
          expect(values().at(-1)).toBe(steps.length - 1);
          for (let i = 1; i < calls.length; i += 1) {
            expect(calls[i]!.value).toBeGreaterThan(calls[i - 1]!.value);
            expect(calls[i]!.startedAt).toBeGreaterThanOrEqual(calls[i - 1]!.endedAt!);
          }
          // Without flushes, emits start at least an interval apart.
          if (!steps.some((step) => step.flush)) {
            for (let i = 1; i < calls.length - 1; i += 1) {
              expect(calls[i]!.startedAt - calls[i - 1]!.startedAt).toBeGreaterThanOrEqual(intervalMs);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
