/** A small typed event emitter keyed by an events map; `on` returns its own unsubscribe. */
export class TypedEmitter<Events extends { [K in keyof Events]: (...args: never[]) => void }> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const listener of this.listeners.get(event) ?? []) {
      // A listener's failure must not break the engine.
      try {
        (listener as (...a: Parameters<Events[K]>) => void)(...args);
      } catch {
        /* listeners own their errors */
      }
    }
  }
}
