// What the renderer benchmarks share about the browser: Debian's Chromium,
// launched headless with the flags the e2e suites use, and the page's clock
// against ours, so a time taken in the page and one taken here can be
// subtracted (bench:ui's live phase, bench:live).
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../../e2e/support.js';

export const launchBenchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });

/** Epoch time in ms, as the page reads it (timeOrigin + now). */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/**
 * The page's epoch clock minus ours, from the tightest of `rounds` round
 * trips: assuming the page read its clock halfway through, the error is at
 * most half that round trip (a fraction of a millisecond on loopback).
 */
export async function pageClockOffset(page: Page, rounds = 30): Promise<number> {
  let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
  for (let k = 0; k < rounds; k++) {
    const before = epochNow();
    const theirs = (await page.evaluate('performance.timeOrigin + performance.now()')) as number;
    const after = epochNow();
    if (after - before < best.rtt)
      best = { rtt: after - before, offset: theirs - (before + after) / 2 };
  }
  return best.offset;
}
