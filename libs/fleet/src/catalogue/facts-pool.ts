import { createHash } from 'node:crypto';
import type { ImageFacts } from '#libs/catalogue';
import { decodeFacts } from './catalogue-wire.js';

/**
 * The api's image facts, once per distinct content across all hosts: a fleet runs the same
 * images on many hosts, and an image's facts never change. Shared by content, not by id alone,
 * so an agent that publishes false facts for an image id changes only its own host's view.
 */
export class FactsPool {
  private readonly entries = new Map<string, { readonly facts: ImageFacts; refs: number }>();

  /** The facts of `encoded`, held once more; null when they do not parse (or describe another id). */
  acquire(id: string, encoded: string): { readonly key: string; readonly facts: ImageFacts } | null {
    // The id is part of the key: the same facts published under another id are refused, not shared.
    const key = `${id} ${createHash('sha256').update(encoded).digest('base64')}`;
    const entry = this.entries.get(key);
    if (entry) {
      entry.refs++;
      return { key, facts: entry.facts };
    }
    const facts = decodeFacts(id, encoded);
    if (!facts) return null;
    this.entries.set(key, { facts, refs: 1 });
    return { key, facts };
  }

  release(key: string): void {
    const entry = this.entries.get(key);
    if (entry && --entry.refs === 0) this.entries.delete(key);
  }

  /** Distinct facts held. */
  get size(): number {
    return this.entries.size;
  }
}
