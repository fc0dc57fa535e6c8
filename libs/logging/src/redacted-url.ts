/** A Redis URL fit for a log line: its password, if any, replaced by `***`. */
export function redactedRedisUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
