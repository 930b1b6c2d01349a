// Electron entry: wires the shell around the daemon host and nothing else.
// Window security, navigation, notifications and IPC live in main/shell/.
import { app, dialog, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaemonHost } from './daemon/host/daemonHost.js';
import { allChats } from './daemon/api/allChats.js';
import { openSecretStore } from './daemon/secrets/openSecretStore.js';
import { lazySecretBroker } from './daemon/secrets/lazySecretBroker.js';
import { createAppWindow, lockDownSessions } from './shell/appWindow.js';
import { handleBlobProtocol, registerBlobScheme } from './shell/blobProtocol.js';
import { bindIpc, type IpcBinding } from './shell/ipcBinding.js';
import { createNotificationCenter } from './shell/nativeNotifications.js';
import { createDesktopChrome, openingBounds, rememberWindowState } from './shell/desktopChrome.js';
import { badgeCount } from './shell/unreadBadge.js';

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

let daemon: DaemonHost | null = null;
let mainWindow: BrowserWindow | null = null;
let binding: IpcBinding | null = null;

async function start(): Promise<void> {
  const profileDir = app.getPath('userData');
  lockDownSessions();
  handleBlobProtocol(join(profileDir, 'blobs'));

  // Opened on first use: a locked or missing keychain never keeps the app from
  // showing what is synced; signing in then reports it clearly.
  const secrets = lazySecretBroker(() => openSecretStore({ profileDir, allowInsecure: false }));
  daemon = new DaemonHost({
    profileDir,
    secrets,
    // Built beside this file by electron.vite.config.ts.
    workerFile: here('./daemonWorker.js'),
    log: (line) => console.log(line),
  });
  await daemon.ready;

  const stateFile = join(profileDir, 'window-state.json');
  const opening = openingBounds(stateFile);
  const { window, appUrl } = createAppWindow({
    preload: here('../preload/index.cjs'),
    indexHtml: here('../renderer/index.html'),
    devServerUrl: process.env.ELECTRON_RENDERER_URL,
    bounds: opening.bounds,
  });
  if (opening.maximized) window.maximize();
  rememberWindowState(window, stateFile);
  mainWindow = window;
  const showWindow = () => {
    if (window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };
  const host = daemon;
  const notifications = createNotificationCenter(
    window,
    (chatId) => binding?.sendShellEvent({ name: 'shell.openChat', payload: { chatId } }),
    {
      settings: () => host.call('settings.get', {}),
      accountOf: async (messageId) =>
        (await host.call('messages.byIds', { ids: [messageId] }))[0]?.accountId ?? null,
    },
  );
  const chrome = createDesktopChrome({
    iconPath: app.isPackaged
      ? join(process.resourcesPath, 'icon.png')
      : here('../../resources/icon.png'),
    isDev: !app.isPackaged,
    onShowWindow: showWindow,
    onToggleDoNotDisturb: (active) => {
      notifications.setDoNotDisturb(active);
      chrome.setDoNotDisturb(active);
    },
  });
  binding = bindIpc({
    window,
    appUrl,
    daemon,
    onShellCall: (call) => {
      if (call.name === 'shell.visibleChat') notifications.setVisibleChat(call.input.chatId);
      else {
        notifications.setDoNotDisturb(call.input.active);
        chrome.setDoNotDisturb(call.input.active);
      }
    },
  });
  // The badge follows the chat list; recounted at most a few times a second.
  let badgeTimer: NodeJS.Timeout | null = null;
  const recountBadge = () => {
    badgeTimer = null;
    void allChats((input) => host.call('chats.list', input)).then(
      (chats) => chrome.setUnread(badgeCount(chats)),
      () => undefined,
    );
  };
  recountBadge();
  daemon.subscribe((event) => {
    notifications.onEvent(event);
    if (event.name === 'chats.updated' && !badgeTimer) badgeTimer = setTimeout(recountBadge, 300);
  });
  window.on('closed', () => {
    binding?.dispose();
    binding = null;
    mainWindow = null;
  });
  daemon.startSync();
}

registerBlobScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  });

  app.on('web-contents-created', (_event, contents) => {
    // No window but ours, no webviews, anywhere.
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });

  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      dialog.showErrorBox('Parley could not start', (err as Error).message);
      app.exit(1);
    });

  app.on('window-all-closed', () => app.quit());

  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !daemon) return;
    // Let the daemon finish its writes and close the database first.
    event.preventDefault();
    quitting = true;
    void daemon.close().finally(() => app.quit());
  });
}
