// The Electron shell's pure decisions: where the window may go, which 'notify'
// events become native notifications, the window's security flags, the CSP,
// and the gate every IPC call passes before it reaches the daemon.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
// These shell modules are the pure ones (no electron import): the layering rule
// keeps tests out of main/shell/, but these exist to be tested in plain Node.
import { decideNavigation, decideNewWindow, isAppUrl } from '../../main/shell/navigationPolicy.js';
import {
  decideNotification,
  type NotifyPayload,
  type ScreenState,
} from '../../main/shell/notificationPolicy.js';
import { appWindowOptions } from '../../main/shell/windowOptions.js';
import { appContentSecurityPolicy, BLOB_SCHEME } from '../../main/shell/contentSecurityPolicy.js';
import { gateCall } from '../../main/shell/callGate.js';
import { PROCEDURE_NAMES } from '../../main/daemon/api/contract.js';

describe('navigation policy', () => {
  const FILE_APP = 'file:///opt/Parley/resources/app.asar/out/renderer/index.html';
  const DEV_APP = 'http://localhost:5173/';

  test('only the app itself stays in the window', () => {
    assert.equal(decideNavigation(`${FILE_APP}#chat=3`, FILE_APP), 'allow');
    assert.equal(decideNavigation('http://localhost:5173/index.html?x=1', DEV_APP), 'allow');
    assert.equal(
      decideNavigation('file:///etc/passwd', FILE_APP),
      'deny',
      'another local file is not the app',
    );
    assert.equal(
      decideNavigation('http://localhost:5174/', DEV_APP),
      'open-external',
      'another port is another origin',
    );
    assert.ok(!isAppUrl('not a url', FILE_APP));
  });

  test('web and mail links go to the system browser; everything else is refused', () => {
    assert.equal(decideNavigation('https://example.org/page', FILE_APP), 'open-external');
    assert.equal(decideNavigation('http://example.org/', FILE_APP), 'open-external');
    assert.equal(decideNavigation('mailto:ann@example.org', FILE_APP), 'open-external');
    for (const url of [
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'file:///C:/Windows/system32/calc.exe',
      'smb://host/share',
      'ms-msdt:/id PCWDiagnostic',
      'vbscript:msgbox',
      `${BLOB_SCHEME}://${'a'.repeat(64)}`,
      'chrome://settings',
      'https://user:pass@example.org/',
      'nonsense',
      '',
    ])
      assert.equal(decideNavigation(url, FILE_APP), 'deny', url);
  });

  test('window.open never opens an app window', () => {
    assert.equal(decideNewWindow(FILE_APP, FILE_APP), 'deny');
    assert.equal(decideNewWindow('https://example.org/', FILE_APP), 'open-external');
    assert.equal(decideNewWindow('javascript:void 0', FILE_APP), 'deny');
  });
});

describe('notification policy', () => {
  const event = (over: Partial<NotifyPayload> = {}): NotifyPayload => ({
    chatId: 5,
    messageId: 50,
    chatName: 'Design',
    senderName: 'Ann',
    preview: 'Lunch   at\nnoon?',
    mentionsMe: false,
    notifyLevel: 'all',
    muted: false,
    ...over,
  });
  const screen = (over: Partial<ScreenState> = {}): ScreenState => ({
    windowFocused: false,
    visibleChatId: null,
    dndActive: false,
    ...over,
  });

  test('a message in an ordinary chat is shown, titled by sender and chat', () => {
    assert.deepEqual(decideNotification(event(), screen()), {
      show: true,
      title: 'Ann in Design',
      body: 'Lunch at noon?',
    });
    const direct = decideNotification(event({ chatName: 'Ann' }), screen());
    assert.ok(direct.show && direct.title === 'Ann');
  });

  test('a muted chat never notifies, even for a mention', () => {
    assert.deepEqual(decideNotification(event({ muted: true, mentionsMe: true }), screen()), {
      show: false,
      reason: 'muted',
    });
  });

  test("notify level 'none' never notifies", () => {
    assert.deepEqual(
      decideNotification(event({ notifyLevel: 'none', mentionsMe: true }), screen()),
      {
        show: false,
        reason: 'level-none',
      },
    );
  });

  test("notify level 'mentions' notifies for mentions only", () => {
    assert.deepEqual(decideNotification(event({ notifyLevel: 'mentions' }), screen()), {
      show: false,
      reason: 'not-a-mention',
    });
    assert.equal(
      decideNotification(event({ notifyLevel: 'mentions', mentionsMe: true }), screen()).show,
      true,
    );
  });

  test('the chat on screen in the focused window does not notify; other chats, or an unfocused window, do', () => {
    assert.deepEqual(
      decideNotification(event(), screen({ windowFocused: true, visibleChatId: 5 })),
      {
        show: false,
        reason: 'on-screen',
      },
    );
    assert.equal(
      decideNotification(event(), screen({ windowFocused: true, visibleChatId: 6 })).show,
      true,
    );
    assert.equal(
      decideNotification(event(), screen({ windowFocused: false, visibleChatId: 5 })).show,
      true,
    );
  });

  test('do-not-disturb silences everything, mentions included', () => {
    assert.deepEqual(decideNotification(event({ mentionsMe: true }), screen({ dndActive: true })), {
      show: false,
      reason: 'dnd',
    });
  });

  test('long previews are cut', () => {
    const d = decideNotification(event({ preview: 'x'.repeat(500) }), screen());
    assert.ok(d.show && d.body.length === 140 && d.body.endsWith('…'));
  });
});

describe('window options', () => {
  test('the renderer is isolated, sandboxed, without Node, with web security on', () => {
    const { webPreferences: wp, show } = appWindowOptions('/app/out/preload/index.cjs');
    assert.equal(wp.preload, '/app/out/preload/index.cjs');
    assert.equal(wp.contextIsolation, true);
    assert.equal(wp.sandbox, true);
    assert.equal(wp.nodeIntegration, false);
    assert.equal(wp.nodeIntegrationInWorker, false);
    assert.equal(wp.nodeIntegrationInSubFrames, false);
    assert.equal(wp.webSecurity, true);
    assert.equal(wp.allowRunningInsecureContent, false);
    assert.equal(wp.webviewTag, false);
    assert.equal(wp.experimentalFeatures, false);
    assert.equal(show, false, 'shown on ready-to-show, never blank');
  });
});

describe('content security policy', () => {
  const directives = (csp: string) =>
    new Map(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name!, values] as const;
      }),
    );

  test('production: own scripts only, no eval, no inline script, no frames or plugins, blobs via parley-blob:', () => {
    const csp = appContentSecurityPolicy();
    const d = directives(csp);
    assert.ok(!csp.includes('unsafe-eval'));
    assert.deepEqual(d.get('script-src'), ["'self'"]);
    assert.deepEqual(d.get('default-src'), ["'self'"]);
    assert.deepEqual(d.get('connect-src'), ["'self'"]);
    assert.deepEqual(d.get('object-src'), ["'none'"]);
    assert.deepEqual(d.get('frame-src'), ["'none'"]);
    assert.deepEqual(d.get('base-uri'), ["'none'"]);
    assert.ok(d.get('img-src')?.includes(`${BLOB_SCHEME}:`));
    assert.ok(d.get('media-src')?.includes(`${BLOB_SCHEME}:`));
    assert.ok(
      !d.get('img-src')?.includes('https:') && !d.get('img-src')?.includes('*'),
      'no remote images',
    );
  });

  test('development adds the dev server, its HMR socket and React Refresh, still without eval', () => {
    const csp = appContentSecurityPolicy({ devServerOrigin: 'http://localhost:5173' });
    const d = directives(csp);
    assert.ok(!csp.includes('unsafe-eval'));
    assert.deepEqual(d.get('connect-src'), [
      "'self'",
      'http://localhost:5173',
      'ws://localhost:5173',
    ]);
  });
});

describe('IPC call gate', () => {
  test('unknown names never reach the daemon', () => {
    for (const name of ['nope', '__proto__', 'constructor', 42, null]) {
      const v = gateCall(name, {});
      assert.ok(!v.ok && !v.result.ok && v.result.error.code === 'unknown_procedure', String(name));
    }
  });

  test('every procedure refuses malformed input before it crosses to the worker', () => {
    for (const name of PROCEDURE_NAMES) {
      const v = gateCall(name, { bogus: 1 });
      assert.ok(!v.ok && !v.result.ok && v.result.error.code === 'invalid_input', name);
      assert.ok(!v.ok && !v.result.ok && (v.result.error.issues?.length ?? 0) > 0);
    }
  });

  test('a file path from the renderer is refused: it sends bytes, never names a file', () => {
    const v = gateCall('messages.sendAttachment', {
      chatId: 3,
      name: 'passwd',
      path: '/etc/passwd',
    });
    assert.ok(!v.ok && !v.result.ok && v.result.error.code === 'invalid_input');
    assert.ok(!v.ok && !v.result.ok && v.result.error.issues?.some((i) => i.path === 'path'));
    const bytes = gateCall('messages.sendAttachment', {
      chatId: 3,
      name: 'a.txt',
      dataBase64: 'aGk=',
    });
    assert.ok(bytes.ok, 'bytes pass');
  });

  test('valid input passes, parsed', () => {
    const v = gateCall('messages.page', { chatId: 3, limit: 10 });
    assert.deepEqual(v, { ok: true, name: 'messages.page', input: { chatId: 3, limit: 10 } });
    assert.deepEqual(gateCall('accounts.list', undefined), {
      ok: true,
      name: 'accounts.list',
      input: {},
    });
  });
});
