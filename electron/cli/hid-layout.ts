/**
 * Support tool: `npm run cli -- --hid-layout HEX` prints the telephony layout of a report descriptor pasted as hex
 * (e.g. from `usbhid-dump`, `/sys/class/hidraw/hidrawN/device/report_descriptor | xxd`, or a customer's log).
 * Pure: the caller prints stdout/stderr and exits with exitCode.
 */
import { HidError } from '../../hid/descriptor/errors';
import { parseHexBytes } from '../../hid/descriptor/hex';
import { telephonyLayoutFromDescriptor } from '../../hid/descriptor/telephony-layout';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function hidLayoutCommand(hex: string): CliResult {
  try {
    const layout = telephonyLayoutFromDescriptor(parseHexBytes(hex));
    const json = {
      inputs: layout.inputs.map(({ usage, reportId, bit, relative }) => ({ usage, reportId, bit, relative })),
      outputs: layout.outputs.map(({ usage, reportId, bit }) => ({ usage, reportId, bit })),
    };
    return { exitCode: 0, stdout: `${JSON.stringify(json)}\n`, stderr: '' };
  } catch (error) {
    if (error instanceof HidError) {
      return { exitCode: 1, stdout: '', stderr: `hid-layout: ${error.message}\n` };
    }
    throw error; // A bug, not bad input: let it crash loudly.
  }
}
