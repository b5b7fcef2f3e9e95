import { existsSync } from 'node:fs';

/** Chromium from Debian's package (`apt-get install -y chromium`); tests never download a browser. */
export const chromiumPath = '/usr/bin/chromium';

export const chromiumAvailable = (): boolean => existsSync(chromiumPath);

/** Flags for a headless Chromium that stays off the network except for what a test asks. */
export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
