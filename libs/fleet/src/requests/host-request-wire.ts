import { z } from 'zod';
import { imageChangeCommandSchema, imageChangeOutcomeSchema } from '#libs/image-changes';
import { ERROR_CODES, type ErrorCode } from '#libs/errors';

/** A request as it waits in the host's list. */
export const requestSchema = z.object({
  id: z.string().max(100),
  /** Milliseconds since the epoch: not started by then, it is dropped. */
  deadline: z.number(),
  command: imageChangeCommandSchema,
});
export type WireRequest = z.infer<typeof requestSchema>;

/** An answer as the agent publishes it: an outcome with its version, or a domain error. */
export const answerSchema = z.union([
  z.object({
    id: z.string().max(100),
    version: z.number().int().nonnegative(),
    outcome: imageChangeOutcomeSchema,
  }),
  z.object({
    id: z.string().max(100),
    error: z.object({ code: z.string().max(100), message: z.string().max(10_000) }),
  }),
]);
export type WireAnswer = z.infer<typeof answerSchema>;

/** A code an answer may carry: one of the contract's, else INTERNAL. */
export function knownCode(code: string): ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'INTERNAL';
}

export function parseJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}
