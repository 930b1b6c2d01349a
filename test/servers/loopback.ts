// Listening and closing, as every reference server does it: on loopback by
// default, on a free port unless one is asked for; closing drops open
// connections first so a test's `after` never waits on a keep-alive socket.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `http` listening; resolves with the port and the base URL (IPv6 hosts bracketed). */
export async function listenOn(
  http: Server,
  port = 0,
  host = '127.0.0.1',
): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve) => http.listen(port, host, resolve));
  const addr = http.address() as AddressInfo;
  const shown = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  return { port: addr.port, url: `http://${shown}:${addr.port}` };
}

/** Closes `http` and every connection it still holds. */
export async function closeHttp(http: Server): Promise<void> {
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
}
