// The journal: the last N state transitions of every program, numbered, in memory.
import type { JournalEntry } from './api.js';

/** A bounded list of transitions, oldest first. */
export class Journal {
  readonly #entries: JournalEntry[] = [];
  #seq = 0;

  constructor(private readonly size: number) {}

  /** Records one transition and returns its entry. */
  record(fields: Omit<JournalEntry, 'seq'>): JournalEntry {
    const entry: JournalEntry = { seq: ++this.#seq, ...fields };
    this.#entries.push(entry);
    if (this.#entries.length > this.size) this.#entries.shift();
    return entry;
  }

  /** The last `limit` entries, of one program or of all. */
  list(name?: string, limit = 100): JournalEntry[] {
    const all = name ? this.#entries.filter((e) => e.program === name) : this.#entries;
    return all.slice(-limit);
  }
}
