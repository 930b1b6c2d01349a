// The cheat sheet (Ctrl/Cmd+/): every shortcut from lib/shortcuts.ts.
import { modKeyName, SHORTCUTS } from '../lib/shortcuts.js';
import { strings } from '../lib/strings.js';
import { Dialog } from './Dialog.js';

export function ShortcutSheet({ onClose }: { onClose(): void }) {
  const modName = modKeyName(navigator.platform);
  return (
    <Dialog title={strings.shortcuts.title} onClose={onClose} className="shortcut-sheet">
      <table className="shortcut-table">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.id} data-shortcut={s.id}>
              <th scope="row">{s.label}</th>
              <td>
                {s.keys.map((combo, i) => (
                  <span key={i} className="shortcut-combo">
                    {i > 0 ? ' / ' : null}
                    {combo.map((k, j) => (
                      <span key={j}>
                        {j > 0 ? '+' : null}
                        <kbd>{k === 'Mod' ? modName : k}</kbd>
                      </span>
                    ))}
                  </span>
                ))}
              </td>
            </tr>
          ))}
          <tr>
            <th scope="row">{strings.shortcuts.close}</th>
            <td>
              <kbd>Esc</kbd>
            </td>
          </tr>
        </tbody>
      </table>
    </Dialog>
  );
}
