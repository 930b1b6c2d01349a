// GET over http(s) to public addresses only, for content the daemon fetches
// because something it received points there (a mail's remote images). The
// host is resolved here and every address it has is checked (addressPolicy.ts);
// the connection then goes to a checked address — the socket's own lookup is
// answered from that list — so a DNS answer that changes between the check and
// the connect (rebinding) cannot reach anything else. Redirects are followed
// by hand, each hop checked the same way.
import type { LookupAddress } from 'node:dns';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { refusalFor } from './addressPolicy.js';

export const MAX_REDIRECTS = 5;

export class RefusedAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedAddressError';
  }
}

export interface GuardedGetOptions {
  signal: AbortSignal;
  /**
   * Loopback ports that may be reached (nothing else is loosened). Only the
   * test harness sets it, through the Daemon's constructor, to reach its own
   * image server; the app never does and no setting or environment variable can.
   */
  testOnlyLoopbackPorts?: readonly number[];
  /** Resolves a name to all its addresses; tests replace it to play a rebinding DNS. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
  headers?: Record<string, string>;
}

// node:http, node:https and node:dns load on the first fetch, not with the
// daemon: loading the network stack cost the cold start ~50 ms of CPU before
// the first chat list, which needs none of it (docs/performance.md).
const resolveAll = (hostname: string) =>
  process.getBuiltinModule('node:dns/promises').lookup(hostname, { all: true, verbatim: true });

/** The addresses a URL's host may be reached at, all checked; throws when any is refused. */
async function checkedAddresses(url: URL, options: GuardedGetOptions): Promise<LookupAddress[]> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host);
  const addresses = literal
    ? [{ address: host, family: literal }]
    : await (options.resolve ?? resolveAll)(host);
  if (addresses.length === 0) throw new RefusedAddressError(`${host} has no address`);
  for (const { address } of addresses) {
    const refusal = refusalFor(address, {
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      loopbackPorts: options.testOnlyLoopbackPorts,
    });
    // A name with one private address among public ones is refused whole.
    if (refusal) throw new RefusedAddressError(`${refusal} (${url.hostname})`);
  }
  return addresses;
}

function getOnce(
  url: URL,
  addresses: LookupAddress[],
  options: GuardedGetOptions,
): Promise<IncomingMessage> {
  const request =
    url.protocol === 'https:'
      ? process.getBuiltinModule('node:https').request
      : process.getBuiltinModule('node:http').request;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'GET',
      headers: options.headers,
      signal: options.signal,
      agent: false,
      // The socket asks for the host's addresses: it gets the checked ones, nothing else.
      lookup: ((
        _hostname: string,
        lookupOptions: { all?: boolean },
        callback: (...args: unknown[]) => void,
      ) => {
        if (lookupOptions.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      }) as never,
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
}

/** GETs a URL, following at most MAX_REDIRECTS redirects, every hop to a public address. */
export async function guardedGet(
  start: string,
  options: GuardedGetOptions,
): Promise<{ url: string; response: IncomingMessage }> {
  let url = new URL(start);
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new RefusedAddressError(`only http and https (${url.protocol})`);
    if (url.username || url.password) throw new RefusedAddressError('no credentials in URLs');
    const addresses = await checkedAddresses(url, options);
    // A literal IP host never asks the lookup; it was checked above all the same.
    const response = await getOnce(url, addresses, options);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status < 300 || status >= 400 || status === 304 || !location)
      return { url: url.href, response };
    response.resume();
    if (hop >= MAX_REDIRECTS) throw new RefusedAddressError('too many redirects');
    url = new URL(location, url);
  }
}
