// matrix-js-sdk and its wasm crypto log every step through console (loglevel
// binds the console methods when the SDK loads, so this module must be
// imported before the SDK). A test process that runs the SDK keeps only
// warnings and errors that are not the SDK's routine chatter.
const ROUTINE = /^(\[|Stopping queue|Resuming queue|Adding default|Sending batch|DEBUG|INFO|TRACE)/;
const keep =
  (orig: (...a: unknown[]) => void) =>
  (...args: unknown[]) => {
    if (!ROUTINE.test(String(args[0] ?? ''))) orig(...args);
  };
console.debug = () => undefined;
console.log = () => undefined;
console.info = () => undefined;
console.warn = keep(console.warn.bind(console));
export {};
