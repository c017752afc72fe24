/**
 * Where the desktop services send the contract's events: to the window's webContents in the app,
 * to the browser's event stream in the harness. Payloads are validated against the contract
 * first when asked (development and tests), so a bad one fails in main, not in the page.
 */
import { EVENTS, type EventChannel, type EventOf } from '../../shared/ipc-contract.js';

export type EventSink = <C extends EventChannel>(channel: C, payload: EventOf<C>) => void;

/** Wraps a sink so every payload is checked against the contract before it leaves. */
export function validatingSink(sink: EventSink): EventSink {
  return (channel, payload) => {
    EVENTS[channel].parse(payload);
    sink(channel, payload);
  };
}
