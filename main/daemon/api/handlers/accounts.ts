// Workspaces and accounts: sign-in (secrets to the keychain), listing, removal.
import { ApiError } from '../contract.js';
import { secretKey } from '../../store/accounts.js';
import { selfRemoteIds } from '../../store/people.js';
import type { HandlerContext, Handlers } from './context.js';
import { connectorContext, noBlobs } from '../../connectors/context.js';

export function accountHandlers(ctx: HandlerContext) {
  const { store, engine, connectors, secrets } = ctx;
  return {
    'workspaces.list': () => store.accounts.workspaces(),
    // What the account's kind of connector can do, from the registry (no
    // connector is made for a stopped account): `encrypts` writes into end-to-end
    // encrypted chats, `linkPreviews` from its server, `permalinks` to messages.
    // A protocol without a connector in this build can do none of them.
    'accounts.list': () =>
      store.accounts.list().map((a) => {
        const kind = connectors.kind(a.protocol);
        return {
          ...a,
          retryAt: engine.retryAt(a.id),
          encrypts: kind?.capabilities.encryption === true,
          linkPreviews: kind?.capabilities.linkPreviews === true,
          permalinks: typeof kind?.permalink === 'function',
        };
      }),
    'accounts.retry': async ({ accountId }) => {
      if (!store.accounts.get(accountId))
        throw new ApiError('not_found', `no account ${accountId}`);
      return { retried: await engine.retryNow(accountId) };
    },
    'accounts.signIn': async ({ accountId, password }) => {
      const account = store.accounts.get(accountId);
      if (!account) throw new ApiError('not_found', `no account ${accountId}`);
      if (!connectors.has(account.protocol))
        throw new ApiError(
          'not_implemented',
          `the ${account.protocol} connector is not implemented yet`,
        );
      const key = secretKey(account);
      // Reach the keychain first: a new session must have somewhere to go.
      await secrets.get(key);
      const login = await (
        await connectors.create(account.protocol)
      )
        .login(
          { server: account.server, username: account.username, password },
          AbortSignal.timeout(60_000),
        )
        .catch((err: unknown) => {
          throw new ApiError('auth_failed', `sign-in failed: ${(err as Error).message}`);
        });
      await engine.stop(accountId);
      await secrets.set(key, login.secret);
      store.accounts.setStatus(accountId, 'syncing', null);
      await engine.start(accountId).catch(() => undefined);
      return store.accounts.get(accountId)!;
    },
    'accounts.add': async (input) => {
      if (!connectors.has(input.protocol))
        throw new ApiError(
          'not_implemented',
          `the ${input.protocol} connector is not implemented yet`,
        );
      // Checked before signing in: a second login would replace the keychain
      // entry of the account that already exists.
      if (store.accounts.find(input.protocol, input.server, input.username))
        throw new ApiError(
          'conflict',
          `an account for ${input.username} on ${input.server} already exists`,
        );
      const key = secretKey(input);
      // Reach the keychain before signing in: a session the server opened for
      // us must not be left behind because its token had nowhere to go.
      await secrets.get(key);
      const connector = await connectors.create(input.protocol);
      const login = await connector
        .login(
          { server: input.server, username: input.username, password: input.password },
          AbortSignal.timeout(60_000),
        )
        .catch((err: unknown) => {
          throw new ApiError('auth_failed', `sign-in failed: ${(err as Error).message}`);
        });
      await secrets.set(key, login.secret);
      try {
        const account = store.accounts.add(input);
        store.writer.apply(account.id, {
          people: [
            {
              remoteId: login.selfRemoteId,
              displayName: login.selfDisplayName ?? input.username,
              isSelf: true,
            },
          ],
        });
        // Awaited (it only reads the secret, then syncs in the background) so a
        // caller that closes the daemon right away, like the CLI, stops it cleanly.
        await engine.start(account.id).catch(() => undefined);
        return account;
      } catch (err) {
        await secrets.delete(key);
        throw new ApiError('conflict', (err as Error).message);
      }
    },
    'accounts.self': () => selfRemoteIds(store.readDb),
    'accounts.remove': async ({ accountId }) => {
      const account = store.accounts.get(accountId);
      if (!account) return { removed: false };
      await engine.stop(accountId);
      const key = secretKey(account);
      const secret = await secrets.get(key);
      // Best effort: end the server session too, so the token dies with the
      // account. An unreachable server must not keep the account from going.
      // (A connector whose code cannot load must not keep it either.)
      if (secret !== null && connectors.has(account.protocol)) {
        await connectors
          .create(account.protocol)
          .then((connector) =>
            connector.logout?.(
              connectorContext({
                account,
                secret,
                cursor: () => null,
                openBlob: noBlobs,
                signal: AbortSignal.timeout(10_000),
                log: () => undefined,
              }),
            ),
          )
          .catch(() => undefined);
      }
      await secrets.delete(key);
      return { removed: store.accounts.remove(accountId) };
    },
  } satisfies Partial<Handlers>;
}
