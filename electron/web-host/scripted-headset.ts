/**
 * A scripted USB headset for the web host (`--scripted-headset FILE.hex[:VID:PID[:PRODUCT NAME]]`): the same bytes a real headset
 * exchanges with node-hid, driven over HTTP instead of a USB cable. It lets the whole path — report parsing, the
 * headset service, the call service, SIP, audio — be exercised in Chromium against the real test bed, and lets support
 * staff reproduce a customer's headset from its report descriptor. Never used by the Electron host.
 *
 *   GET /headset?token=…&op=input&hex=02 01 00   the headset sends an input report (report id first)
 *   GET /headset?token=…&op=output               JSON: every output report written so far {reports:[[…],…]}
 *   GET /headset?token=…&op=unplug | op=plug      hot-plug
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseHexBytes } from '../../hid/descriptor/hex';
import { type HeadsetInfo, type RawHidDevice, telephonyHeadsetsOf } from '../../hid/device/headset-info';
import { resolveLayout } from '../../hid/device/layout-source';
import type { HidDeviceLike } from '../../hid/headset-controller';
import type { HeadsetDevices } from '../services/headset-service';

class ScriptedDevice extends EventEmitter implements HidDeviceLike {
  constructor(private readonly onWrite: (report: number[]) => void) {
    super();
  }
  write(report: number[]): number {
    this.onWrite([...report]);
    return report.length;
  }
  close(): void {
    this.removeAllListeners();
  }
}

export class ScriptedHeadset implements HeadsetDevices {
  readonly #raw: RawHidDevice;
  readonly #descriptor: Uint8Array;
  #plugged = true;
  #device: ScriptedDevice | undefined;
  readonly outputs: number[][] = [];

  /**
   * `spec`: a report-descriptor hex file, optionally `:VID:PID` in hex (default a Jabra, 0b0e:0305), then optionally
   * `:product name` (default "Scripted headset"; the automatic headset matches audio devices by this name).
   */
  constructor(spec: string) {
    const m = /^(.*?)(?::([0-9a-f]{4}):([0-9a-f]{4})(?::([^:]{1,100}))?)?$/i.exec(spec)!;
    this.#descriptor = parseHexBytes(readFileSync(m[1]!, 'utf8'));
    const vendorId = parseInt(m[2] ?? '0b0e', 16);
    const productId = parseInt(m[3] ?? '0305', 16);
    this.#raw = {
      vendorId,
      productId,
      path: `scripted#${vendorId.toString(16)}:${productId.toString(16)}`,
      product: m[4] ?? 'Scripted headset',
      manufacturer: 'Receptionist Console',
      serialNumber: 'SCRIPTED',
      interface: 3,
      usagePage: 0x0b,
      usage: 0x05,
    };
  }

  async list(): Promise<HeadsetInfo[]> {
    return this.#plugged ? telephonyHeadsetsOf([this.#raw]) : [];
  }

  async open(info: HeadsetInfo) {
    const device = new ScriptedDevice((report) => this.outputs.push(report));
    this.#device = device;
    return { device, ...resolveLayout(info, () => this.#descriptor) };
  }

  /** The HTTP control surface (token already checked by the host). Returns false for other paths. */
  handle(url: URL, _req: IncomingMessage, res: ServerResponse): boolean {
    if (url.pathname !== '/headset') return false;
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    switch (url.searchParams.get('op')) {
      case 'input': {
        let bytes: Uint8Array;
        try {
          bytes = parseHexBytes(url.searchParams.get('hex') ?? '');
        } catch (e) {
          json(400, { error: (e as Error).message });
          return true;
        }
        if (!this.#plugged || !this.#device) {
          json(409, { error: 'the scripted headset is unplugged' });
          return true;
        }
        this.#device.emit('data', Buffer.from(bytes));
        json(200, { sent: [...bytes] });
        return true;
      }
      case 'output':
        json(200, { reports: this.outputs });
        return true;
      case 'unplug':
        this.#plugged = false;
        this.#device?.emit('error', new Error('device unplugged'));
        json(200, { plugged: false });
        return true;
      case 'plug':
        this.#plugged = true;
        json(200, { plugged: true });
        return true;
      default:
        json(400, { error: 'op must be input, output, plug or unplug' });
        return true;
    }
  }
}
