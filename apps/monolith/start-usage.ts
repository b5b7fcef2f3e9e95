/** What `npm start -- --help` (and `npm run dev -- --help`) prints: the monolith takes no arguments, only settings. */
export const startUsage = `usage: npm start [-- --build-only]
       npm run dev

Runs the monolith: every module (or those MODULES names, less those REMOTE_MODULES names) in one process, on embedded
PGlite in .data/ unless DATABASE_URL names a PostgreSQL database. Takes no arguments; it is configured by environment
variables, each with its default, in README.md "Configuration": for example PORT (3000), HOST (127.0.0.1), DATABASE_URL,
DATA_DIR (.data), MODULES, REMOTE_MODULES, REDIS_URL, EVENT_BUS (auto), LOG_LEVEL (info), LOG_FORMAT (auto).

  --build-only   npm start only: build the bundle in dist/start/ (when a source changed) and exit without running it
  -h, --help     print this and exit

npm start runs one JavaScript bundle that esbuild rebuilds when a source changed; npm run dev runs through tsx and
restarts on every edit.`;
