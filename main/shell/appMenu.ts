// The application menu: the platform's usual menus and shortcuts, plus
// Do Not Disturb. Pure (types only from Electron) so it is tested in Node.
import type { MenuItemConstructorOptions } from 'electron';

export interface AppMenuOptions {
  platform: NodeJS.Platform;
  isDev: boolean;
  doNotDisturb: boolean;
  onToggleDoNotDisturb: (active: boolean) => void;
  onShowWindow: () => void;
}

export const DND_ACCELERATOR = 'CmdOrCtrl+Shift+D';

export function doNotDisturbItem(o: AppMenuOptions): MenuItemConstructorOptions {
  return {
    id: 'dnd',
    label: 'Do Not Disturb',
    type: 'checkbox',
    checked: o.doNotDisturb,
    accelerator: DND_ACCELERATOR,
    click: (item) => o.onToggleDoNotDisturb(item.checked),
  };
}

export function appMenuTemplate(o: AppMenuOptions): MenuItemConstructorOptions[] {
  const mac = o.platform === 'darwin';
  const view: MenuItemConstructorOptions[] = [
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  // Reload and developer tools only while developing: in the app they would
  // throw away state or open a console onto the user's messages.
  if (o.isDev) view.unshift({ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' });
  return [
    ...(mac
      ? [
          {
            label: 'Parley',
            submenu: [
              { role: 'about' },
              { type: 'separator' },
              doNotDisturbItem(o),
              { type: 'separator' },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' },
              { role: 'quit' },
            ],
          } satisfies MenuItemConstructorOptions,
        ]
      : [
          {
            label: '&File',
            submenu: [doNotDisturbItem(o), { type: 'separator' }, { role: 'quit' }],
          } satisfies MenuItemConstructorOptions,
        ]),
    { role: 'editMenu' },
    { label: '&View', submenu: view },
    {
      role: 'windowMenu',
      submenu: [
        { role: 'minimize' },
        { label: 'Show Parley', accelerator: 'CmdOrCtrl+0', click: () => o.onShowWindow() },
        ...(mac ? [{ role: 'front' } as const] : [{ role: 'close' } as const]),
      ],
    },
  ];
}
