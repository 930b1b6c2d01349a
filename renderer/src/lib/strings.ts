// The UI's words, in one catalog, ready for translation: a component reads
// `strings.area.key` and never spells a sentence itself. A translation is
// another object of the same type (`Strings`); counts go through plural()
// (Intl.PluralRules) and numbers, dates and durations through lib/format.ts
// (Intl), so they follow the user's locale. Areas not moved here yet still
// keep their words in their components.
import { formatCount, formatDuration, formatPercent } from './format.js';

const pluralRules = new Intl.PluralRules(undefined);

/** Picks the form for n ("one", "other", … as the locale's rules say) and fills in the number. */
export function plural(
  n: number,
  forms: Partial<Record<Intl.LDMLPluralRule, string>> & { other: string },
): string {
  const form = forms[pluralRules.select(n)] ?? forms.other;
  return form.replace('#', formatCount(n));
}

const en = {
  chatList: {
    region: 'Chats',
    label: 'Chats',
    archivedLabel: 'Archived chats',
    noArchived: 'No archived chats.',
    empty: 'No chats here yet.',
    addAccount: 'Add an account',
    pinned: 'pinned',
    muted: 'muted',
    mutedTitle: 'Muted',
    manyUnread: '999+',
    unread: (n: number) => plural(n, { one: '# unread', other: '# unread' }),
    mentions: (n: number) => plural(n, { one: '# mentioning you', other: '# mentioning you' }),
  },
  timeline: {
    label: 'Messages',
    loadingOlder: 'Loading older messages…',
    loadingNewer: 'Loading newer messages…',
    start: 'This is the beginning of the chat.',
    empty: 'No messages yet.',
    jumpToLatest: 'Jump to latest ↓',
  },
  status: {
    active: 'Up to date',
    syncing: 'Syncing…',
    offline: 'Offline',
    error: 'Connection problem',
    signed_out: 'Signed out — sign in again',
    paused: 'Paused',
    disk_full: 'Disk full — free some space',
  },
  sync: {
    region: 'Account status',
    progressLabel: (account: string) => `Sync progress of ${account}`,
    initial: 'Initial sync',
    backfill: 'Fetching older history',
    done: 'Sync complete',
    chats: (done: number, total: number) =>
      `${formatCount(done)} of ${plural(total, { one: '# chat', other: '# chats' })}`,
    messages: (n: number) => plural(n, { one: '# message stored', other: '# messages stored' }),
    percent: (fraction: number) => formatPercent(fraction),
    left: (ms: number) => `about ${formatDuration(ms)} left`,
    retryingIn: (ms: number) => `retrying in ${formatDuration(ms)}`,
    retrying: 'retrying…',
    retryNow: 'Retry now',
    signInAgain: 'Sign in again',
    details: 'Details',
    hideDetails: 'Hide details',
  },
  signIn: {
    title: (account: string) => `Sign in to ${account} again`,
    explain:
      'The server ended this session. Sign in again to go on syncing; nothing synced is lost.',
    password: 'Password',
    submit: 'Sign in',
    working: 'Signing in…',
  },
  connection: {
    lost: 'Connection to Parley lost; reconnecting…',
    connecting: 'Connecting to Parley…',
    unreachable: 'Cannot reach Parley. Is "parley web" still running? Open the address it printed.',
  },
  shortcuts: {
    title: 'Keyboard shortcuts',
    open: 'Keyboard shortcuts',
    nextChat: 'Next chat',
    previousChat: 'Previous chat',
    nextUnread: 'Next unread chat',
    search: 'Search messages',
    quickSwitcher: 'Go to a chat (quick switcher)',
    markRead: 'Mark the open chat read',
    editLast: 'Edit your last message (in an empty composer)',
    cheatSheet: 'Show this list',
    close: 'Close a dialog or panel',
  },
  app: {
    noChat: 'Select a chat, or press Ctrl+K to go to one.',
  },
  encryption: {
    /** Said after a chat's name in the list (the lock itself is hidden from screen readers). */
    encrypted: 'end-to-end encrypted',
    lockTitle: 'End-to-end encrypted',
    headerLabel: 'Encrypted',
    waitingForKey: 'Waiting for this message’s key',
    waitingForKeyDetail: 'It will be decrypted as soon as the key arrives.',
    waitingCount: (n: number) =>
      plural(n, {
        one: '# message waiting for its key',
        other: '# messages waiting for their keys',
      }),
  },
};

export type Strings = typeof en;

/** The catalog in use. Only English exists yet; a translation would be chosen here by locale. */
export const strings: Strings = en;
