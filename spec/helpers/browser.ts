/**
 * Chromium for tests that render a page (the backtest report): playwright-core drives the system
 * chromium (it downloads no browser of its own). The executable is $CHROMIUM_PATH, else
 * /usr/bin/chromium, else chromium or chromium-browser on PATH; with none, the test fails and says
 * to run ops/setup.sh (no silent skip).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The chromium binary the tests use; throws when there is none. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const given = env['CHROMIUM_PATH'];
  if (given !== undefined && given !== '') {
    if (executable(given)) return given;
    throw new Error(`CHROMIUM_PATH=${given} is not an executable file; unset it or point it at chromium (ops/setup.sh installs one)`);
  }
  if (executable('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const dir of (env['PATH'] ?? '').split(delimiter).filter((d) => d !== '')) {
    for (const name of ['chromium', 'chromium-browser']) if (executable(join(dir, name))) return join(dir, name);
  }
  throw new Error('no chromium found (CHROMIUM_PATH, /usr/bin/chromium, chromium or chromium-browser on PATH): run ops/setup.sh, which installs it');
}

/** Launches chromium headless; the caller closes it (prefer {@link withPage}). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'], headless: true });
}

/** Runs `fn` with a fresh page, and closes the browser whatever happens. */
export async function withPage<T>(fn: (page: Page) => Promise<T>, viewport = { width: 1280, height: 900 }): Promise<T> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport });
    return await fn(page);
  } finally {
    await browser.close();
  }
}
