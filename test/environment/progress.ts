/** Progress lines on stderr, where jest and bench output do not mix with them. */
export function stderrProgress(prefix = '[test-env]'): (line: string) => void {
  return (line) => process.stderr.write(`${prefix} ${line}\n`);
}

/** Runs `step` and reports how long it took; the report says so too when the step failed. */
export async function timed<T>(
  log: ((line: string) => void) | undefined,
  what: string,
  step: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    const result = await step();
    log?.(`${what} (${seconds(started)})`);
    return result;
  } catch (error) {
    log?.(`${what} FAILED after ${seconds(started)}`);
    throw error;
  }
}

export function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)}s`;
}
