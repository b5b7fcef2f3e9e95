/**
 * The number `text` spells in plain decimal digits, if it lies in `[min, max]`; otherwise `undefined`. For integer
 * flags: `Number()` would also take `0x10`, `1e3`, `' 3001 '` or an empty string (0), which nobody means as a port or
 * a count.
 *
 * @example
 * const port = wholeNumber(values.port, 1, 65535) ?? usageError(command, `--port must be a port number from 1 to 65535, got "${values.port}"`);
 */
export function wholeNumber(text: string, min: number, max: number): number | undefined {
  if (!/^\d{1,15}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}
