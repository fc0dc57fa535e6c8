import { generateToken } from '#libs/auth';
import type { ApiToken } from '#libs/auth';

/** The configured tokens, or one fresh admin token when none are: nothing is ever open. */
export function tokensOrGenerated(configured: readonly ApiToken[]): {
  tokens: ApiToken[];
  generated?: ApiToken;
} {
  if (configured.length > 0) return { tokens: [...configured] };
  const generated: ApiToken = { role: 'admin', token: generateToken() };
  return { tokens: [generated], generated };
}
