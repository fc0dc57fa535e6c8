import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { BadUserInputError } from '#libs/errors';

/**
 * Where a webhook may not point by default: the addresses that reach this machine or its cloud's
 * control plane rather than a service (loopback, link-local and with it 169.254.169.254, the
 * metadata addresses of the clouds that use others, unspecified, multicast, broadcast).
 */
export const DEFAULT_REFUSED_TARGETS = [
  '127.0.0.0/8',
  '::1/128',
  '0.0.0.0/8',
  '::/128',
  '169.254.0.0/16',
  'fe80::/10',
  '100.100.100.200/32',
  'fd00:ec2::254/128',
  '224.0.0.0/4',
  'ff00::/8',
  '255.255.255.255/32',
];

export interface WebhookTargetSettings {
  /** CIDRs or addresses a webhook may reach even if refused below (the test receiver on 127.0.0.1). */
  readonly allowed: readonly string[];
  /** CIDRs or addresses a webhook may not reach; DEFAULT_REFUSED_TARGETS unless configured. */
  readonly refused: readonly string[];
}

/**
 * Checks webhook targets: a URL when a subscription is made (its host resolved, every address
 * checked), and each address again as a delivery connects, so that a name that resolves
 * elsewhere later (DNS rebinding) cannot reach a refused address either.
 */
export class WebhookTargetPolicy {
  private readonly allowed: BlockList;
  private readonly refused: BlockList;

  constructor(settings: WebhookTargetSettings) {
    this.allowed = blockListOf(settings.allowed);
    this.refused = blockListOf(settings.refused);
  }

  /** Whether a delivery may connect to `address` (an IPv4 or IPv6 address). */
  permits(address: string): boolean {
    // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) reaches the IPv4 address: judged as one.
    const plain = mappedIpv4(address) ?? address;
    const family = isIP(plain) === 6 ? 'ipv6' : 'ipv4';
    return this.allowed.check(plain, family) || !this.refused.check(plain, family);
  }

  /** The URL, checked: http(s), no credentials in it, and a host whose every address is permitted. */
  async checkUrl(text: string): Promise<URL> {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      // Not quoted: a text that is not a URL may still hold a credential.
      throw new BadUserInputError('The webhook URL is not a URL.');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new BadUserInputError(`A webhook URL is http or https, not ${url.protocol.replace(':', '')}.`);
    }
    if (url.username || url.password) {
      throw new BadUserInputError(
        'A webhook URL carries no credentials: the signature authenticates each delivery.',
      );
    }
    if (text.length > 2048) throw new BadUserInputError('A webhook URL is at most 2048 characters.');
    for (const address of await this.addressesOf(url.hostname)) {
      if (!this.permits(address)) {
        throw new BadUserInputError(
          `The webhook URL's host ${url.hostname} resolves to ${address}, which webhooks may not reach (WEBHOOK_REFUSED_TARGETS).`,
        );
      }
    }
    return url;
  }

  /**
   * The check repeated before each delivery, which must not fail for a name that does not resolve
   * this moment (the connection's own lookup checks names and retries): the scheme, and an IP
   * address written in the URL, which no lookup sees. A reason to refuse for good, or null.
   */
  refusalOf(text: string): string | null {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return 'the webhook URL is not a URL';
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${url.protocol} is not http or https`;
    const bare = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(bare) && !this.permits(bare)) return `${bare} is an address webhooks may not reach`;
    return null;
  }

  private async addressesOf(hostname: string): Promise<string[]> {
    const bare = hostname.replace(/^\[|\]$/g, '');
    if (isIP(bare)) return [bare];
    try {
      return (await lookup(bare, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch {
      throw new BadUserInputError(`The webhook URL's host ${hostname} does not resolve.`);
    }
  }
}

function mappedIpv4(address: string): string | null {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1]!;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

function blockListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.trim().split('/');
    const family = isIP(address) === 6 ? 'ipv6' : isIP(address) === 4 ? 'ipv4' : null;
    if (!family) throw new Error(`Not an IP address or CIDR: ${JSON.stringify(entry)}`);
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}
