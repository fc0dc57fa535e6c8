import { execFile } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a short-lived command to completion. A failure throws with the command and its output,
 * which is the only place a build or push error is visible.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { env: options.env, timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const output = `${stdout}${stderr}`.trim().split('\n').slice(-30).join('\n');
          reject(
            new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${output}`, { cause: error }),
          );
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
    // A command that exits before reading its input (e.g. a failing umount) makes the write EPIPE;
    // its exit status reports the failure, so the stream error is not worth crashing over.
    child.stdin?.on('error', () => undefined);
    if (options.input === undefined) child.stdin?.end();
    else child.stdin?.end(options.input);
  });
}
