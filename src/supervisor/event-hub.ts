// The supervisor's listeners: subscribe and unsubscribe, and delivery of each event to every
// listener, where one listener's exception is logged and never reaches the others or the core.
import type { EventLogger, SupervisorEvent } from './api.js';

/** A set of SupervisorEvent listeners. */
export class EventHub {
  readonly #listeners = new Set<(e: SupervisorEvent) => void>();

  constructor(private readonly logger: EventLogger) {}

  /** Calls `listener` with every later event; the returned function unsubscribes. */
  subscribe(listener: (event: SupervisorEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Delivers `event` to every listener. */
  emit(event: SupervisorEvent): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch (err) {
        this.logger.error({ err }, 'supervisor event listener failed');
      }
    }
  }
}
