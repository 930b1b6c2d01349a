// Whether a 'notify' event becomes a native notification. The rules are
// declared once, by the renderer (web mode applies them in the page); the
// shell applies the same ones here. Pure, so it is tested without Electron.
export {
  decideNotification,
  dndActiveAt,
  effectiveLevel,
  type NotificationDecision,
  type NotifyPayload,
  type ScreenState,
} from '../../renderer/src/lib/notificationRules.js';
