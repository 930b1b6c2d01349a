// Web mode's per-launch token. It arrives in the URL fragment (#token=…), which
// browsers never send to servers; we move it to sessionStorage (this tab only)
// and take it out of the address bar and history.
const KEY = 'parley.token';

export function takeToken(): string | null {
  const fromHash = new URLSearchParams(window.location.hash.replace(/^#/, '')).get('token');
  if (fromHash) {
    try {
      window.sessionStorage.setItem(KEY, fromHash);
    } catch {
      // Storage may be disabled; the token still works for this page load.
    }
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
    return fromHash;
  }
  try {
    return window.sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}
