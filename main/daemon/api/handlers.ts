// What each procedure does, over the store and the sync engine, one group of
// procedures per file in handlers/. Inputs arrive already validated by the
// contract's schemas (see apiServer.ts).
import {
  createContext,
  toOutboxItem,
  type HandlerDeps,
  type Handlers,
} from './handlers/context.js';
import { accountHandlers } from './handlers/accounts.js';
import { conversationHandlers } from './handlers/conversations.js';
import { settingsHandlers } from './handlers/settings.js';
import { mailHandlers } from './handlers/mail.js';
import { membershipHandlers } from './handlers/membership.js';
import { mediaHandlers } from './handlers/media.js';
import { profileHandlers } from './handlers/profile.js';
import { mediaRepositoryHandlers } from './handlers/mediaRepository.js';
import { watchHandlers } from './handlers/watch.js';
import { encryptionHandlers } from './handlers/encryption.js';
import { keyBackupHandlers } from './handlers/keyBackup.js';
import { securityHandlers } from './handlers/security.js';

export { toOutboxItem, type HandlerDeps, type Handlers };

export function createHandlers(deps: HandlerDeps): Handlers {
  const ctx = createContext(deps);
  return {
    ...accountHandlers(ctx),
    ...conversationHandlers(ctx),
    ...settingsHandlers(ctx),
    ...mailHandlers(ctx),
    ...membershipHandlers(ctx),
    ...mediaHandlers(ctx, deps.remoteFetch),
    ...profileHandlers(ctx),
    ...mediaRepositoryHandlers(ctx),
    ...watchHandlers(deps.watches),
    ...encryptionHandlers(ctx),
    ...keyBackupHandlers(ctx),
    ...securityHandlers(ctx),
  } satisfies Handlers;
}
