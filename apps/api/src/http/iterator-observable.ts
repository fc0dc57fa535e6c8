import { Observable } from 'rxjs';

/**
 * An async iterable as an Observable whose unsubscribe ends the iterator at once. rxjs's
 * `from(asyncIterable)` notices an unsubscribe only when the next value arrives, so a Server-Sent
 * Events stream whose client left kept its source (a PubSub listener) until then, or for good on
 * a quiet one. Nest unsubscribes as soon as the client's connection closes.
 */
export function fromIterator<T>(open: () => AsyncIterable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    // Opened on subscribe: an Observable nobody subscribes to holds no listener.
    const iterator = open()[Symbol.asyncIterator]();
    let stopped = false;
    void (async () => {
      try {
        for (;;) {
          const result = await iterator.next();
          if (stopped) return;
          if (result.done) return subscriber.complete();
          subscriber.next(result.value);
        }
      } catch (error) {
        if (!stopped) subscriber.error(error);
      }
    })();
    return () => {
      stopped = true;
      iterator.return?.().catch(() => undefined);
    };
  });
}
