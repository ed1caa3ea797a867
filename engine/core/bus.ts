/**
 * Single-threaded synchronous message bus. `publish` calls the handlers of the event's type, in
 * subscription order, then the handlers subscribed to every event. A handler that publishes runs its
 * nested publish to completion first (depth-first), which keeps the order deterministic.
 * A throwing handler propagates: handlers that run untrusted code (strategies) are wrapped by the kernel.
 */
import type { EngineEvent, EngineEventType, EventOf } from './events';

type Handler<E> = (event: E) => void;

export class MessageBus {
  private readonly byType = new Map<EngineEventType, Handler<EngineEvent>[]>();
  private all: Handler<EngineEvent>[] = [];

  /** Subscribes to one event type; returns the unsubscribe function. */
  on<T extends EngineEventType>(type: T, handler: Handler<EventOf<T>>): () => void {
    const h = handler as Handler<EngineEvent>;
    const list = this.byType.get(type);
    // Lists are replaced, not mutated, so an unsubscribe during publish does not skip a handler.
    this.byType.set(type, list ? [...list, h] : [h]);
    return () => {
      const cur = this.byType.get(type);
      if (cur) this.byType.set(type, cur.filter((x) => x !== h));
    };
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  onAny(handler: Handler<EngineEvent>): () => void {
    this.all = [...this.all, handler];
    return () => {
      this.all = this.all.filter((x) => x !== handler);
    };
  }

  publish(event: EngineEvent): void {
    const list = this.byType.get(event.type);
    if (list) for (let i = 0; i < list.length; i++) list[i]!(event);
    const all = this.all;
    for (let i = 0; i < all.length; i++) all[i]!(event);
  }
}
