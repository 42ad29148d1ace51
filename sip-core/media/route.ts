/**
 * Which local address does this machine use to reach a given host? Asked of the kernel: a connected UDP socket
 * takes the source address of the route (nothing is sent). This is the address the RTP bridge binds and puts in its
 * SDP: loopback only when the PBX is on loopback, the LAN address on a LAN, the VPN address through a VPN — on a
 * machine with several interfaces too.
 */
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import net from 'node:net';

export class NoRouteError extends Error {
  override name = 'NoRouteError';
}

export async function localAddressFor(remote: string): Promise<string> {
  const address = net.isIP(remote) ? remote : (await lookup(remote)).address;
  const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      // Port 9 (discard): any port will do, connect() on UDP sends nothing.
      socket.connect(9, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const local = socket.address().address;
    if (local === '0.0.0.0' || local === '::') throw new NoRouteError(`no local address routes to ${address}`);
    return local;
  } catch (err) {
    if (err instanceof NoRouteError) throw err;
    throw new NoRouteError(`no route to ${address}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    try {
      socket.close();
    } catch {
      // already closed
    }
  }
}
