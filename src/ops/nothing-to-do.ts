/**
 * What a scheduled job answers when the lake gives it nothing to work on (an empty sandbox's first night, models not
 * pushed yet): it logs the reason and succeeds, so the scheduler neither retries it nor fills its DLQ and no alarm
 * fires. A job asked for something specific (an `as_of` that has no snapshot) still fails: that is a mistake to see.
 */
export interface NothingToDo {
  /** Why there was nothing to do, and what makes the next run do something. */
  readonly nothingToDo: string;
}

export const nothingToDo = (reason: string): NothingToDo => ({ nothingToDo: reason });

export function isNothingToDo(r: unknown): r is NothingToDo {
  return typeof r === 'object' && r !== null && typeof (r as NothingToDo).nothingToDo === 'string';
}
