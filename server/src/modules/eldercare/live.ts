/**
 * In-process signal that alarms changed, for the call seat's server-sent events. Not durable and
 * not shared between processes: the SSE stream also re-reads every few seconds, so an alarm opened
 * by another process shows up too; the signal only makes the common case instant.
 */
import { EventEmitter } from 'node:events';

const bus = new EventEmitter();
bus.setMaxListeners(1000);

/** alarmId 0 means "something changed, re-read the list". */
export function publishAlarmChange(alarmId: number): void { bus.emit('alarm', alarmId); }

export function onAlarmChange(fn: (alarmId: number) => void): () => void {
  bus.on('alarm', fn);
  return () => { bus.off('alarm', fn); };
}
