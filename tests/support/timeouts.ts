/**
 * The limit for a test that starts a process (`node --import tsx …`, Deno, a browser): starting one costs seconds of
 * CPU, and on a loaded two-core machine several of them queue for it. Generous on purpose: it only has to catch a
 * hang, never to measure speed.
 */
export const processTestTimeoutMs = 180_000;
