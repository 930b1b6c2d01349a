// The Content-Security-Policy of the app window: our own scripts only, no eval,
// no frames or plugins, and remote content only through the blob protocol.
export const BLOB_SCHEME = 'parley-blob';

export function appContentSecurityPolicy(options: { devServerOrigin?: string } = {}): string {
  // In development the renderer comes from Vite's dev server, which also needs
  // its HMR WebSocket; production loads from file:// and connects nowhere.
  const dev = options.devServerOrigin;
  const devWs = dev ? dev.replace(/^http/, 'ws') : null;
  const self = dev ? `'self' ${dev}` : "'self'";
  return [
    `default-src ${self}`,
    // React Refresh injects one inline module script in development; never in a build.
    `script-src ${self}${dev ? " 'unsafe-inline'" : ''}`,
    `style-src ${self} 'unsafe-inline'`,
    `img-src ${self} ${BLOB_SCHEME}: blob: data:`,
    `media-src ${self} ${BLOB_SCHEME}: blob:`,
    `font-src ${self}`,
    `connect-src ${self}${devWs ? ` ${devWs}` : ''}`,
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
