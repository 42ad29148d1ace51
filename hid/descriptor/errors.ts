/**
 * Typed, expected failures of the headset bridge. They are data for the caller (a bad descriptor falls back to a
 * vendor profile; the CLI prints the message), not bugs: catch them with `instanceof HidError`.
 */
export abstract class HidError extends Error {
  abstract readonly code: string;
}

export type HidDescriptorErrorCode =
  | 'empty'
  | 'truncated'
  | 'bad-item'
  | 'bad-report-id'
  | 'mixed-report-ids'
  | 'bad-usage-range'
  | 'unbalanced-collection'
  | 'too-deep'
  | 'stack'
  | 'report-too-large';

/** The bytes are not a well-formed HID report descriptor. `offset` is the byte where parsing stopped. */
export class HidDescriptorError extends HidError {
  override readonly name = 'HidDescriptorError';
  constructor(
    readonly code: HidDescriptorErrorCode,
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export type TelephonyLayoutErrorCode = 'no-telephony-collection' | 'no-telephony-controls';

/** A well-formed descriptor that describes no usable telephony headset collection (usage page 0x0B, usage 0x05). */
export class TelephonyLayoutError extends HidError {
  override readonly name = 'TelephonyLayoutError';
  constructor(
    readonly code: TelephonyLayoutErrorCode,
    message: string,
  ) {
    super(message);
  }
}
