/**
 * A bounded table of immutable values that many snapshots hold alike (an image's tag records, a
 * time): an api following a fleet builds the same ones for every host that has the image, and
 * keeps one. Past `max` entries it starts again, which costs sharing, never correctness.
 */
export class SharedValues<K, V> {
  private readonly values = new Map<K, V>();

  constructor(private readonly max: number) {}

  get(key: K, make: () => V): V {
    if (this.values.has(key)) return this.values.get(key)!;
    if (this.values.size >= this.max) this.values.clear();
    const value = make();
    this.values.set(key, value);
    return value;
  }
}
