// The accounts, handed down so a row anywhere (a chat in "All chats", a search
// hit) can say which account it belongs to without threading props through
// every list.
import { createContext, useContext } from 'react';
import type { Account } from '../../../main/daemon/model/types.js';

export interface AccountsView {
  byId: ReadonlyMap<number, Account>;
  /** More than one account: rows carry an account badge. */
  several: boolean;
}

export const AccountsContext = createContext<AccountsView>({ byId: new Map(), several: false });

export const useAccounts = (): AccountsView => useContext(AccountsContext);
