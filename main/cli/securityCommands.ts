// `parley devices` and `parley verify`: an account's sessions (list, sign one
// out) and interactive verification with the emoji, over the same procedures
// the app uses (security.*, verification.*). `verify` syncs the account while
// it runs, since the other side's answers arrive by sync.
import type { Daemon } from '../daemon/daemon.js';
import type { ProcedureInput, ProcedureName, ProcedureOutput } from '../daemon/api/contract.js';
import type { DeviceView, VerificationView } from '../daemon/model/security.js';
import { CliError } from './usage.js';

export interface SecurityCliKit {
  stdout(text: string): void;
  stderr(text: string): void;
  stdin(): string;
  /** Asks on the terminal; null when stdin is not a terminal. */
  ask: ((question: string) => Promise<string>) | null;
  json: boolean;
  withDaemon<T>(fn: (d: Daemon) => Promise<T>): Promise<T>;
  call<P extends ProcedureName>(
    d: Daemon,
    name: P,
    input: ProcedureInput<P>,
  ): Promise<ProcedureOutput<P>>;
}

const fingerprint = (key: string | null) => (key ? key.replace(/(.{4})/g, '$1 ').trim() : '-');

export function formatDevices(devices: DeviceView[]): string {
  return devices
    .map(
      (d) =>
        `${d.current ? '*' : ' '} ${d.deviceId}  ${d.verified ? 'verified    ' : 'not verified'}  ${d.displayName ?? ''}\n` +
        `    fingerprint ${fingerprint(d.ed25519)}${d.lastSeenTs ? `  last seen ${new Date(d.lastSeenTs).toISOString()}` : ''}\n`,
    )
    .join('');
}

export async function devicesCommand(
  kit: SecurityCliKit,
  o: { accountId: number; userId?: string; signOut?: string; passwordStdin: boolean },
): Promise<number> {
  return kit.withDaemon(async (d) => {
    if (o.signOut !== undefined) {
      if (!o.passwordStdin)
        throw new CliError('signing a session out needs the password: --password-stdin', 2);
      const password = kit.stdin().replace(/\r?\n$/, '');
      await kit.call(d, 'security.signOutDevice', {
        accountId: o.accountId,
        deviceId: o.signOut,
        password,
      });
      kit.stdout(
        kit.json ? `${JSON.stringify({ signedOut: o.signOut })}\n` : `signed out ${o.signOut}\n`,
      );
      return 0;
    }
    const devices = await kit.call(d, 'security.devices', {
      accountId: o.accountId,
      userId: o.userId,
    });
    kit.stdout(kit.json ? `${JSON.stringify(devices)}\n` : formatDevices(devices));
    return 0;
  });
}

export function formatEmoji(v: VerificationView): string {
  const emoji = v.emoji ?? [];
  return (
    `${emoji.map((e) => e.symbol.padEnd(4)).join(' ')}\n` +
    `${emoji.map((e) => e.name).join(', ')}\n` +
    (v.decimals ? `numbers: ${v.decimals.join(' ')}\n` : '')
  );
}

/**
 * Starts a verification (or, with `accept`, waits for the other side's request
 * and accepts it), shows the emoji, confirms when the user says they match
 * (or with --yes), and waits for the end. Exit 0 when verified.
 */
export async function verifyCommand(
  kit: SecurityCliKit,
  o: {
    accountId: number;
    userId: string;
    deviceId?: string;
    accept: boolean;
    yes: boolean;
    timeoutS: number;
  },
): Promise<number> {
  if (!o.yes && !kit.ask)
    throw new CliError('not a terminal: pass --yes to confirm matching emoji without asking', 2);
  return kit.withDaemon(async (d) => {
    const seen: VerificationView[] = [];
    let wake = () => undefined as void;
    const off = d.subscribe((e) => {
      if (e.name === 'verification.updated' && e.payload.accountId === o.accountId) {
        seen.push(e.payload);
        wake();
      }
    });
    const deadline = AbortSignal.timeout(o.timeoutS * 1000);
    const next = (pick: (v: VerificationView) => boolean): Promise<VerificationView> =>
      new Promise((resolve, reject) => {
        const look = () => {
          const v = seen.find(pick);
          if (v) resolve(v);
          else if (deadline.aborted)
            reject(
              new CliError(`no answer within ${o.timeoutS} s; the verification is left as it was`),
            );
        };
        wake = look;
        deadline.addEventListener('abort', look, { once: true });
        look();
      });
    try {
      await d.engine.start(o.accountId);
      let flowId: string;
      if (o.accept) {
        // Their devices first: the machine ignores a request from a device it does not know.
        await kit.call(d, 'security.devices', { accountId: o.accountId, userId: o.userId });
        kit.stderr(`waiting for ${o.userId} to ask for a verification…\n`);
        const asked = await next(
          (v) =>
            v.userId === o.userId &&
            v.phase === 'requested' &&
            (o.deviceId === undefined || v.deviceId === o.deviceId),
        );
        flowId = asked.flowId;
        await kit.call(d, 'verification.accept', { accountId: o.accountId, flowId });
      } else {
        const started = await kit.call(d, 'verification.request', {
          accountId: o.accountId,
          userId: o.userId,
          deviceId: o.deviceId,
        });
        flowId = started.flowId;
        kit.stderr(`asked ${o.userId}${o.deviceId ? ` (${o.deviceId})` : ''}; accept it there…\n`);
      }
      const ofFlow = (phases: VerificationView['phase'][]) => (v: VerificationView) =>
        v.flowId === flowId && phases.includes(v.phase);
      const compare = await next(ofFlow(['compare', 'cancelled']));
      if (compare.phase === 'cancelled') return ended(kit, compare);
      kit.stdout(kit.json ? `${JSON.stringify(compare)}\n` : formatEmoji(compare));
      const match = o.yes
        ? true
        : /^y(es)?$/i.test((await kit.ask!('Do the emoji match on both devices? [y/N] ')).trim());
      await kit.call(d, match ? 'verification.confirm' : 'verification.mismatch', {
        accountId: o.accountId,
        flowId,
      });
      if (!match) {
        kit.stderr('cancelled: the emoji did not match; nobody was verified\n');
        return 1;
      }
      return ended(kit, await next(ofFlow(['done', 'cancelled'])));
    } finally {
      off();
    }
  });
}

function ended(kit: SecurityCliKit, v: VerificationView): number {
  if (kit.json) kit.stdout(`${JSON.stringify(v)}\n`);
  if (v.phase === 'done') {
    if (!kit.json) kit.stdout(`verified ${v.userId}${v.deviceId ? ` (${v.deviceId})` : ''}\n`);
    return 0;
  }
  kit.stderr(`cancelled${v.cancel ? `: ${v.cancel.reason} (${v.cancel.code})` : ''}\n`);
  return 1;
}
