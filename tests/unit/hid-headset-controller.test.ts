import { EventEmitter } from 'node:events';
import {
  type HeadsetEvent,
  HeadsetController,
  HeadsetStateError,
  type HidDeviceLike,
} from '../../hid/headset-controller';
import { JabraHeadset, PolyHeadset } from '../../hid/vendors';
import type { TelephonyLayout } from '../../hid/descriptor/telephony-layout';

/** A headset at our seam: captures output reports, lets the test push input reports byte by byte. */
class FakeHeadset extends EventEmitter implements HidDeviceLike {
  readonly written: number[][] = [];
  closed = false;
  failWrites = false;
  write(report: number[]): number {
    if (this.failWrites) throw new Error('could not write to HID device');
    this.written.push([...report]);
    return report.length;
  }
  close(): void {
    this.closed = true;
  }
  send(...bytes: number[]): void {
    this.emit('data', Buffer.from(bytes));
  }
  takeWritten(): number[][] {
    return this.written.splice(0);
  }
}

function setup(profile = JabraHeadset, layout: TelephonyLayout = profile.layout) {
  const device = new FakeHeadset();
  let clock = 1_000;
  const controller = new HeadsetController({ layout, quirks: profile.quirks, device, now: () => clock });
  const events: HeadsetEvent[] = [];
  controller.onEvent((e) => events.push(e));
  return {
    device,
    controller,
    events,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const call = (s: Partial<{ ringing: boolean; offHook: boolean; muted: boolean; held: boolean }> = {}) => ({
  ringing: false,
  offHook: false,
  muted: false,
  held: false,
  ...s,
});

// Jabra report 2 bits — input: 0 hook, 1 busy, 2 mute, 3 flash, 4 redial, 5 speed dial, 10 reject;
// output: 0 off-hook, 1 mute, 2 ring, 3 hold, 4 microphone, 5 ringer.
describe('Jabra EVOLVE LINK driven by the console', () => {
  test('receptionist answers a ringing call by lifting the boom, mutes, holds and hangs up', () => {
    const { device, controller, events } = setup();

    controller.setCallState(call({ ringing: true }));
    expect(device.takeWritten()).toEqual([[2, 0b0010_0100, 0]]); // Ring LED + Ringer
    expect(controller.state).toBe('ringing');

    device.send(2, 0b0000_0001, 0); // hook switch goes off-hook
    expect(events).toEqual(['hook-off']);

    controller.setCallState(call({ offHook: true }));
    expect(device.takeWritten()).toEqual([[2, 0b0000_0001, 0]]); // Off-Hook on, ring off
    device.send(2, 0b0000_0001, 0); // the headset repeats its state: no new event
    expect(events).toEqual(['hook-off']);

    device.send(2, 0b0000_0101, 0); // mute pressed (relative: a toggle request)
    device.send(2, 0b0000_0001, 0); // released
    expect(events).toEqual(['hook-off', 'mute-toggle']);
    controller.setCallState(call({ offHook: true, muted: true }));
    expect(device.takeWritten()).toEqual([[2, 0b0001_0011, 0]]); // echo on Mute + Microphone LEDs

    controller.setCallState(call({ offHook: true, muted: true, held: true }));
    expect(device.takeWritten()).toEqual([[2, 0b0001_1011, 0]]); // Hold added, Off-Hook kept
    expect(controller.state).toBe('held');

    controller.setCallState(call({ offHook: true }));
    expect(device.takeWritten()).toEqual([[2, 0b0000_0001, 0]]);

    device.send(2, 0, 0); // boom down
    expect(events).toEqual(['hook-off', 'mute-toggle', 'hook-on']);
    controller.setCallState(call());
    expect(device.takeWritten()).toEqual([[2, 0, 0]]);
    expect(controller.state).toBe('idle');
  });

  test('hold never clears Off-Hook, even when the console reports the held call as on-hook', () => {
    const { device, controller } = setup();
    controller.setCallState(call({ offHook: true }));
    device.takeWritten();
    controller.setCallState(call({ offHook: false, held: true }));
    expect(device.takeWritten()).toEqual([[2, 0b0000_1001, 0]]);
  });

  test('answer from the console UI and remote hang-up: the headset echoing our Off-Hook is not a request', () => {
    const { device, controller, events } = setup();
    controller.setCallState(call({ ringing: true }));
    controller.setCallState(call({ offHook: true })); // answered with the mouse
    device.send(2, 0b0000_0001, 0); // headset follows the Off-Hook LED
    controller.setCallState(call()); // caller hung up
    device.send(2, 0, 0); // headset follows again
    expect(events).toEqual([]);
  });

  test('reject button declines the ringing call; flash and redial fire once per press', () => {
    const { device, controller, events, advance } = setup();
    controller.setCallState(call({ ringing: true }));
    device.send(2, 0, 0b0000_0100); // Button 7 = bit 10
    device.send(2, 0, 0b0000_0100); // repeated report while held down
    device.send(2, 0, 0);
    advance(1000);
    device.send(2, 0b0000_1000, 0); // flash
    device.send(2, 0, 0);
    device.send(2, 0b0001_0000, 0); // redial
    device.send(2, 0, 0);
    expect(events).toEqual(['reject', 'flash', 'redial']);
  });

  test('contact bounce inside the debounce window is one press', () => {
    const { device, events, advance } = setup();
    device.send(2, 0b0000_1000, 0);
    advance(5);
    device.send(2, 0, 0);
    advance(5);
    device.send(2, 0b0000_1000, 0);
    advance(500);
    device.send(2, 0, 0);
    device.send(2, 0b0000_1000, 0);
    expect(events).toEqual(['flash', 'flash']);
  });

  test('reports with another id (the consumer collection) are ignored', () => {
    const { device, events } = setup();
    device.send(1, 0xff, 0xff);
    expect(events).toEqual([]);
  });

  test('holding a call that does not exist is a programming error', () => {
    const { controller } = setup();
    expect(() => controller.setCallState(call({ held: true }))).toThrow(HeadsetStateError);
    expect(() => controller.setCallState(call({ held: true }))).toThrow('Invalid state transition from idle to held');
    controller.setCallState(call({ ringing: true }));
    expect(() => controller.setCallState(call({ ringing: true, held: true }))).toThrow(HeadsetStateError);
  });

  test('a call ringing while another is held keeps Hold, Off-Hook and Ring lit', () => {
    const { device, controller } = setup();
    controller.setCallState(call({ offHook: true }));
    controller.setCallState(call({ offHook: true, held: true }));
    device.takeWritten();
    controller.setCallState(call({ offHook: true, held: true, ringing: true }));
    expect(device.takeWritten()).toEqual([[2, 0b0010_1101, 0]]);
    controller.setCallState(call({ ringing: true })); // held call hung up remotely, new one still rings
    expect(controller.state).toBe('ringing');
  });

  test('close turns the LEDs off, releases the device and is final', () => {
    const { device, controller } = setup();
    controller.setCallState(call({ offHook: true, muted: true }));
    device.takeWritten();
    controller.close();
    expect(device.takeWritten()).toEqual([[2, 0, 0]]);
    expect(device.closed).toBe(true);
    expect(controller.state).toBe('closed');
    expect(() => controller.setCallState(call())).toThrow('Invalid state transition from closed to idle');
  });

  test('an unplugged device surfaces as an error, not an exception', () => {
    const { device, controller } = setup();
    const errors: string[] = [];
    controller.onError((e) => errors.push(e.message));
    device.failWrites = true;
    controller.setCallState(call({ ringing: true }));
    device.emit('error', new Error('could not read from HID device'));
    expect(errors).toEqual(['could not write to HID device', 'could not read from HID device']);
  });
});

describe('Poly Blackwire 3220', () => {
  test('one output report per LED; only the reports that change are written', () => {
    const { device, controller } = setup(PolyHeadset);
    controller.setCallState(call({ ringing: true }));
    expect(device.takeWritten()).toEqual([[0x18, 1]]);
    controller.setCallState(call({ offHook: true }));
    expect(device.takeWritten()).toEqual([
      [0x17, 1],
      [0x18, 0],
    ]);
    controller.setCallState(call({ offHook: true, muted: true }));
    expect(device.takeWritten()).toEqual([[0x09, 1]]);
  });

  test('the doubled mute press Poly sends is one toggle; a later press is another', () => {
    const { device, controller, events, advance } = setup(PolyHeadset);
    controller.setCallState(call({ offHook: true }));
    device.send(8, 0b010); // hook off-hook (echo of our LED)
    device.send(8, 0b011); // mute press
    advance(30);
    device.send(8, 0b010);
    advance(120);
    device.send(8, 0b011); // the doubled copy
    advance(30);
    device.send(8, 0b010);
    advance(2000);
    device.send(8, 0b011); // the user presses again
    expect(events).toEqual(['mute-toggle', 'mute-toggle']);
  });
});

describe('headsets with a toggle hook or absolute mute', () => {
  const toggleLayout: TelephonyLayout = {
    usesReportIds: false,
    inputs: [
      { usage: 'hook-switch', reportId: 0, bit: 0, relative: true },
      { usage: 'phone-mute', reportId: 0, bit: 1, relative: false },
    ],
    outputs: [
      { usage: 'off-hook', reportId: 0, bit: 0 },
      { usage: 'mute', reportId: 0, bit: 1 },
    ],
    outputReports: [{ reportId: 0, byteLength: 1 }],
  };

  test('a hook press answers when on-hook and hangs up when off-hook; reports go out with id 0', () => {
    const { device, controller, events, advance } = setup(JabraHeadset, toggleLayout);
    controller.setCallState(call({ ringing: true }));
    expect(device.takeWritten()).toEqual([]); // no Ring LED on this device: nothing to write
    device.send(0b01);
    device.send(0b00);
    controller.setCallState(call({ offHook: true }));
    expect(device.takeWritten()).toEqual([[0, 0b01]]);
    advance(1000);
    device.send(0b01);
    device.send(0b00);
    expect(events).toEqual(['hook-off', 'hook-on']);
  });

  test('absolute mute: the bit is the device mute state; matching ours is an acknowledgement', () => {
    const { device, controller, events } = setup(JabraHeadset, toggleLayout);
    controller.setCallState(call({ offHook: true }));
    device.send(0b10); // device muted itself: request
    expect(events).toEqual(['mute-toggle']);
    controller.setCallState(call({ offHook: true, muted: true }));
    controller.setCallState(call({ offHook: true, muted: false })); // unmuted from the UI
    device.send(0b00); // device follows: acknowledgement
    expect(events).toEqual(['mute-toggle']);
  });
});
