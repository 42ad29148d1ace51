import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHexBytes } from '../../hid/descriptor/hex';
import { telephonyLayoutFromDescriptor } from '../../hid/descriptor/telephony-layout';
import {
  EposHeadset,
  GenericHeadset,
  JabraHeadset,
  PolyHeadset,
  VendorId,
  YealinkHeadset,
  profileForVendor,
  vendorProfiles,
} from '../../hid/vendors';

const layoutOf = (name: string) =>
  telephonyLayoutFromDescriptor(parseHexBytes(readFileSync(join(__dirname, '..', 'fixtures', 'hid', name), 'utf8')));

describe('vendor profiles used when the descriptor cannot be read (Windows, macOS)', () => {
  test.each([
    ['Jabra', JabraHeadset, 'jabra-evolve-link.hex'],
    ['Poly', PolyHeadset, 'poly-blackwire-3220-telephony.hex'],
    ['Yealink', YealinkHeadset, 'yealink-uh3x.hex'],
    ['generic', GenericHeadset, 'yealink-uh3x.hex'],
  ])('the %s profile is exactly the layout of its descriptor', (_name, profile, fixture) => {
    expect(profile.layout).toEqual(layoutOf(fixture));
  });

  test('a plugged headset gets its vendor profile; an unknown vendor gets the generic one', () => {
    expect(profileForVendor(0x0b0e)).toBe(JabraHeadset);
    expect(profileForVendor(0x047f)).toBe(PolyHeadset);
    expect(profileForVendor(0x1395)).toBe(EposHeadset);
    expect(profileForVendor(0x6993)).toBe(YealinkHeadset);
    expect(profileForVendor(VendorId.Logitech)).toBe(GenericHeadset);
  });

  test('no profile clears Off-Hook on hold; Poly de-duplicates its doubled mute key', () => {
    for (const p of [...vendorProfiles, GenericHeadset]) expect(p.quirks.holdClearsOffHook).toBe(false);
    expect(PolyHeadset.quirks.doubledMuteKeys).toBe(true);
    expect(JabraHeadset.quirks.doubledMuteKeys).toBe(false);
  });
});
