import { localAddressFor } from '../../sip-core/media/route';

describe('the local address that routes to a host (asked of the kernel)', () => {
  it('loopback is reached from loopback', async () => {
    await expect(localAddressFor('127.0.0.1')).resolves.toBe('127.0.0.1');
  });
});
