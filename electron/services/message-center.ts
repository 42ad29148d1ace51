/** The info pane's global message area, kept in main so every window (and a reloaded one) sees the same history. */
import type { GlobalMessage, MessageLevel } from '../contract/dto';

export class MessageCenter {
  #messages: GlobalMessage[] = [];
  #seq = 0;
  constructor(
    private readonly emit: (added: GlobalMessage | undefined, removedId?: string) => void,
    private readonly limit = 100,
  ) {}

  add(level: MessageLevel, key: string, params?: Record<string, string | number>): GlobalMessage {
    const message: GlobalMessage = { id: `g${++this.#seq}`, at: Date.now(), level, key, ...(params ? { params } : {}) };
    this.#messages.push(message);
    this.emit(message);
    while (this.#messages.length > this.limit) {
      const old = this.#messages.shift()!;
      this.emit(undefined, old.id);
    }
    return message;
  }

  dismiss(id: string): boolean {
    const i = this.#messages.findIndex((m) => m.id === id);
    if (i < 0) return false;
    this.#messages.splice(i, 1);
    this.emit(undefined, id);
    return true;
  }

  list(): readonly GlobalMessage[] {
    return this.#messages;
  }
}
