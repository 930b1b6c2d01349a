// Electron glue for what sits around the window: the remembered window state,
// the dock/taskbar badge, the tray icon and the application menu. The
// decisions live in windowBounds.ts, unreadBadge.ts and appMenu.ts.
import { app, Menu, nativeImage, screen, Tray, type BrowserWindow } from 'electron';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { appMenuTemplate, doNotDisturbItem, type AppMenuOptions } from './appMenu.js';
import { parseWindowState, restoredBounds, type SavedWindowState } from './windowBounds.js';
import { trayTooltip } from './unreadBadge.js';

export function openingBounds(stateFile: string) {
  let json: string | null = null;
  try {
    json = readFileSync(stateFile, 'utf8');
  } catch {
    // first start
  }
  const saved = parseWindowState(json);
  const areas = screen.getAllDisplays().map((d) => d.workArea);
  return {
    bounds: restoredBounds(saved, areas, { width: 1200, height: 800 }),
    maximized: saved?.maximized ?? false,
  };
}

/** Saves size, place and maximized state when they change (debounced) and on close. */
export function rememberWindowState(window: BrowserWindow, stateFile: string): void {
  let timer: NodeJS.Timeout | null = null;
  const save = () => {
    if (window.isDestroyed()) return;
    const state: SavedWindowState = {
      ...(window.isMaximized() ? window.getNormalBounds() : window.getBounds()),
      maximized: window.isMaximized(),
    };
    const tmp = `${stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, stateFile);
  };
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  for (const e of ['resize', 'move', 'maximize', 'unmaximize'] as const)
    window.on(e as 'resize', later);
  window.on('close', () => {
    if (timer) clearTimeout(timer);
    save();
  });
}

export interface DesktopChrome {
  setUnread(count: number): void;
  setDoNotDisturb(active: boolean): void;
}

export function createDesktopChrome(
  options: Omit<AppMenuOptions, 'platform' | 'doNotDisturb'> & { iconPath: string },
): DesktopChrome {
  let dnd = false;
  let unread = 0;
  const menuOptions = (): AppMenuOptions => ({
    ...options,
    platform: process.platform,
    doNotDisturb: dnd,
  });
  const tray = new Tray(
    nativeImage.createFromPath(options.iconPath).resize({ width: 18, height: 18 }),
  );
  tray.on('click', () => options.onShowWindow());
  const render = () => {
    Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(menuOptions())));
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Show Parley', click: () => options.onShowWindow() },
        doNotDisturbItem(menuOptions()),
        { type: 'separator' },
        { role: 'quit' },
      ]),
    );
    tray.setToolTip(trayTooltip(unread, dnd));
  };
  render();
  return {
    setUnread(count) {
      unread = count;
      // macOS dock and Linux launchers (Unity API); Windows shows the count in the tray tooltip.
      app.setBadgeCount(count);
      tray.setToolTip(trayTooltip(unread, dnd));
    },
    setDoNotDisturb(active) {
      dnd = active;
      render();
    },
  };
}
