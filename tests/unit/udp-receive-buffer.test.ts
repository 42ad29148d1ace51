/**
 * The SIP socket's receive buffer (sip-core/transports/udp.ts): hundreds of BLF NOTIFYs arrive in a burst, and the
 * operating system's default buffer dropped them (1,500–1,700 datagrams per presence bench run on the console's socket).
 */
import dgram from 'node:dgram';
import { enlargeReceiveBuffer, RECEIVE_BUFFER_BYTES } from '../../sip-core/transports/udp';

/** A socket whose system accepts receive buffers up to `limit` bytes (macOS refuses more; Linux caps silently). */
function fakeSocket(initial: number, limit: number) {
  const asked: number[] = [];
  let size = initial;
  return {
    asked,
    getRecvBufferSize: () => size,
    setRecvBufferSize: (n: number) => {
      asked.push(n);
      if (n > limit) throw new Error('ENOBUFS');
      size = n;
    },
  };
}

describe('the SIP socket asks for a large receive buffer', () => {
  it('takes the largest size the system accepts, trying smaller ones when refused', () => {
    const generous = fakeSocket(212_992, 8 * 1024 * 1024);
    expect(enlargeReceiveBuffer(generous)).toBe(RECEIVE_BUFFER_BYTES[0]);
    expect(generous.asked).toEqual([RECEIVE_BUFFER_BYTES[0]]);

    const strict = fakeSocket(65_536, 2 * 1024 * 1024);
    expect(enlargeReceiveBuffer(strict)).toBe(1024 * 1024);
    expect(strict.asked).toEqual([4 * 1024 * 1024, 1024 * 1024]);
  });

  it('never shrinks a buffer that is already larger, and keeps the default when every size is refused', () => {
    const big = fakeSocket(16 * 1024 * 1024, 64 * 1024 * 1024);
    expect(enlargeReceiveBuffer(big)).toBe(16 * 1024 * 1024);
    expect(big.asked).toEqual([]);

    const refusing = fakeSocket(8192, 0);
    expect(enlargeReceiveBuffer(refusing)).toBe(8192);
    expect(refusing.asked).toEqual(RECEIVE_BUFFER_BYTES);
  });

  it('on a real bound UDP socket: the buffer is at least what it was, and what the kernel reports', async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const before = socket.getRecvBufferSize();
      const after = enlargeReceiveBuffer(socket);
      expect(after).toBe(socket.getRecvBufferSize());
      expect(after).toBeGreaterThanOrEqual(before);
    } finally {
      socket.close();
    }
  });

  it('a socket that is not bound yet (getRecvBufferSize throws) is left alone', () => {
    const socket = dgram.createSocket('udp4');
    try {
      expect(enlargeReceiveBuffer(socket)).toBe(0);
    } finally {
      socket.close();
    }
  });
});
