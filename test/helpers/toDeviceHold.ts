// A fetch for matrix-js-sdk that can hold back its encrypted to-device
// messages (the Olm-wrapped room keys) while answering the SDK as the server
// would, and deliver them later: the receiver then gets a message before its
// key, as happens when to-device delivery lags behind the timeline.
export class ToDeviceHold {
  holding = false;
  private held: { url: string; init: RequestInit }[] = [];

  /** How many to-device requests wait to be delivered. */
  get count(): number {
    return this.held.length;
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (
      this.holding &&
      init?.method === 'PUT' &&
      /\/sendToDevice\/m\.room\.encrypted\//.test(url)
    ) {
      this.held.push({ url, init });
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    }
    return fetch(input, init);
  };

  /** Sends what was held, as the SDK made it (the transaction ids were never used). */
  async release(): Promise<void> {
    this.holding = false;
    const held = this.held.splice(0);
    for (const { url, init } of held) {
      const res = await fetch(url, init);
      if (!res.ok) throw new Error(`a held to-device message was refused: ${res.status}`);
    }
  }
}
