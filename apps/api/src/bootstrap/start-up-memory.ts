import { Logger } from '@nestjs/common';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { LiveCatalogue } from '#libs/catalogue';

/** V8's `gc` extension, with the options Node 24's V8 takes. */
type GcExtension = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * Gives back, once, the memory the start-up grew and no longer uses.
 *
 * Loading the modules and building the catalogue allocate fast, and V8 answers by growing the young
 * generation to its maximum (two 64 MB semi-spaces on Node 24), which it keeps while the process
 * idles: a third of the api's RSS when ready. One memory-reducing collection, as V8 runs on a
 * low-memory notification, shrinks it back; under load V8 grows it again as it sees fit.
 *
 * It runs when the catalogue is first fresh, before a readiness probe can see the api ready (the
 * promise's callbacks run before any I/O callback). A decision for the process, so the entry point
 * calls it before it listens: an api built inside another program (the e2e tests) is left alone.
 */
export function releaseStartUpMemoryOnceReady(catalogue: LiveCatalogue): Promise<void> {
  return catalogue.firstFresh().then(releaseStartUpMemory);
}

function releaseStartUpMemory(): void {
  const gc = gcExtension();
  if (!gc) return;
  const before = process.memoryUsage.rss();
  const started = performance.now();
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  new Logger('StartUpMemory').debug({
    message: 'start-up memory released',
    rssBeforeMb: Math.round(before / 1e6),
    rssAfterMb: Math.round(process.memoryUsage.rss() / 1e6),
    ms: Math.round(performance.now() - started),
  });
}

/**
 * Node gives no other way to ask V8 for a memory-reducing collection than its `gc` extension,
 * which a context created while `--expose-gc` is set receives; the flag is unset again at once,
 * so no other context (nor the main one) sees `gc`.
 */
function gcExtension(): GcExtension | undefined {
  if (typeof globalThis.gc === 'function') return globalThis.gc as unknown as GcExtension;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as GcExtension;
  } catch {
    return undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
