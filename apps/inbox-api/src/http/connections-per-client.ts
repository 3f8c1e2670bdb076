/**
 * The connections one client may hold open at once. The server's own cap (MAX_CONNECTIONS) is for all
 * clients together: without this, one client opening that many (and sending nothing, or headers a byte at
 * a time, until HEADERS_TIMEOUT_MS) would keep every other client out, health probes included. A
 * connection past a client's share is closed as soon as it is made.
 *
 * A client is its TCP peer's address; an IPv6 peer is known by its /64, which one host is usually given
 * whole. A trusted proxy (TRUST_PROXY) carries many clients on its connections: it is not capped.
 */
import { BlockList, isIPv4, isIPv6, type Server } from 'node:net';
import type { Socket } from 'node:net';

/** The address blocks proxy-addr's names stand for (as TRUST_PROXY takes them). */
const NAMED_BLOCKS: Record<string, [string, number][]> = {
  loopback: [
    ['127.0.0.0', 8],
    ['::1', 128],
  ],
  linklocal: [
    ['169.254.0.0', 16],
    ['fe80::', 10],
  ],
  uniquelocal: [
    ['10.0.0.0', 8],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['fc00::', 7],
  ],
};

export function capConnectionsPerClient(server: Server, maxPerClient: number, trustedProxies: false | string[]): void {
  const proxies = trustedProxies === false ? undefined : blockListOf(trustedProxies);
  const open = new Map<string, number>();

  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) return;
    if (proxies?.check(address, isIPv4(address) ? 'ipv4' : 'ipv6')) return;
    const client = clientOf(address);
    const count = (open.get(client) ?? 0) + 1;
    if (count > maxPerClient) return void socket.destroy();
    open.set(client, count);
    socket.once('close', () => {
      const left = (open.get(client) ?? 1) - 1;
      if (left === 0) open.delete(client);
      else open.set(client, left);
    });
  });
}

function blockListOf(items: readonly string[]): BlockList {
  const blocks = new BlockList();
  for (const item of items) {
    const named = NAMED_BLOCKS[item];
    const ranges: [string, number | undefined][] = named ?? [item.split('/') as [string, number | undefined]];
    for (const [network, prefix] of ranges) {
      const family = isIPv4(network) ? 'ipv4' : 'ipv6';
      if (prefix === undefined) blocks.addAddress(network, family);
      else blocks.addSubnet(network, Number(prefix), family);
    }
  }
  return blocks;
}

/** An IPv4 address as it is (also where Node gives it IPv4-mapped); an IPv6 address by its /64. */
function clientOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!isIPv6(address)) return address;
  return `${expandedGroups(address).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, `::` filled in (a zone, `%eth0`, dropped). */
function expandedGroups(address: string): string[] {
  const [head, tail] = address.split('%', 1)[0].split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const before = groups(head);
  const after = groups(tail);
  const filled = tail === undefined ? [] : Array.from({ length: 8 - before.length - after.length }, () => '0');
  return [...before, ...filled, ...after].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}
