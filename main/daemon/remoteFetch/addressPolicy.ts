// Which network addresses the daemon may fetch from on behalf of content it
// received (a mail's remote images): public unicast only. Loopback, private,
// link-local, shared (CGNAT), unspecified, multicast, reserved and cloud
// metadata addresses are refused, also when written as an IPv4-mapped,
// -compatible, NAT64 or 6to4 IPv6 address, since each reaches the same host.
import { isIP } from 'node:net';

export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'shared'
  | 'unspecified'
  | 'multicast'
  | 'metadata'
  | 'reserved'
  | 'invalid';

type Range4 = [base: string, bits: number, kind: AddressKind];

/** Checked in order: the first match wins (metadata before link-local). */
const IPV4_RANGES: Range4[] = [
  ['169.254.169.254', 32, 'metadata'],
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function classifyIpv4Number(n: number): AddressKind {
  for (const [base, bits, kind] of IPV4_RANGES) {
    const size = 2 ** (32 - bits);
    const start = ipv4ToNumber(base);
    if (n >= start && n < start + size) return kind;
  }
  return 'public';
}

/** An IPv6 address as eight 16-bit groups, or null when it is not one. */
export function ipv6Groups(text: string): number[] | null {
  let ip = text.replace(/^\[|\]$/g, '');
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  if (isIP(ip) !== 6) return null;
  // A trailing dotted IPv4 becomes its two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (dotted) {
    const n = ipv4ToNumber(dotted[1]!);
    ip = ip.slice(0, dotted.index) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const parse = (part: string | undefined) =>
    part ? part.split(':').map((g) => parseInt(g, 16)) : [];
  const left = parse(head);
  const right = parse(tail);
  const fill = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  const groups = [...left, ...fill, ...right];
  return groups.length === 8 ? groups : null;
}

function classifyIpv6(groups: number[]): AddressKind {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const v4 = (hi: number, lo: number) => classifyIpv4Number(hi * 65536 + lo);
  const zeroUpTo = (n: number) => groups.slice(0, n).every((g) => g === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g7 === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, deprecated), ::ffff:0:a.b.c.d (translated)
  if (zeroUpTo(5) && g5 === 0xffff) return v4(g6, g7);
  if (zeroUpTo(6)) return v4(g6, g7);
  if (zeroUpTo(4) && g4 === 0xffff && g5 === 0) return v4(g6, g7);
  // NAT64 64:ff9b::a.b.c.d and 64:ff9b:1::/48 reach the embedded IPv4 address.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0)
    return v4(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'reserved';
  // 6to4 2002:AABB:CCDD::/48 carries the IPv4 address AA.BB.CC.DD.
  if (g0 === 0x2002) return v4(g1, g2);
  // AWS's IPv6 instance metadata endpoint, fd00:ec2::254 (inside fc00::/7 too).
  if (g0 === 0xfd00 && g1 === 0x0ec2 && g2 + g3 + g4 + g5 + g6 === 0 && g7 === 0x254)
    return 'metadata';
  if ((g0 & 0xfe00) === 0xfc00) return 'private';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  // Teredo (2001::/32) tunnels to an address we cannot see; documentation, discard, ORCHID.
  if (g0 === 0x2001 && g1 === 0) return 'reserved';
  if (g0 === 0x2001 && g1 === 0xdb8) return 'reserved';
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return 'reserved';
  if (g0 === 0x2001 && (g1 & 0xfff0) === 0x0010) return 'reserved';
  // Only global unicast (2000::/3) is public.
  if ((g0 & 0xe000) !== 0x2000) return 'reserved';
  return 'public';
}

/**
 * What kind of address a host is, when it is an address at all: IPv4 in any
 * form a URL accepts (decimal 2130706433, octal 0177.0.0.1, hex 0x7f.1,
 * shortened 127.1) or IPv6 (bracketed or not, with a zone). A name is 'invalid'
 * here: resolve it first and classify each address.
 */
export function classifyAddress(host: string): AddressKind {
  const bare = host.trim().replace(/^\[|\]$/g, '');
  const groups = ipv6Groups(bare);
  if (groups) return classifyIpv6(groups);
  if (isIP(bare) === 4) return classifyIpv4Number(ipv4ToNumber(bare));
  // The URL parser turns every IPv4 spelling into dotted decimal; names stay names.
  let normalized: string;
  try {
    normalized = new URL(`http://${bare}/`).hostname;
  } catch {
    return 'invalid';
  }
  return isIP(normalized) === 4 ? classifyIpv4Number(ipv4ToNumber(normalized)) : 'invalid';
}

/** Why an address may not be fetched from, or null when it may. */
export function refusalFor(
  address: string,
  options: { port?: number; loopbackPorts?: readonly number[] } = {},
): string | null {
  const kind = classifyAddress(address);
  if (kind === 'public') return null;
  const { port, loopbackPorts } = options;
  if (kind === 'loopback' && port !== undefined && loopbackPorts?.includes(port)) return null;
  return `refused to connect to a ${kind} address`;
}
