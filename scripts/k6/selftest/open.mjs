// k6's open() for scripts imported by plain node (the selftest, tests/scripts/scenarios_dump.mjs),
// as scripts/k6/run has it: a relative path is read from the directory of the module that calls
// open() (node's stack names that module's file: URL). Import this module for its effect.
import { readFileSync } from 'node:fs';

globalThis.open = (file) => {
  for (const line of (new Error().stack || '').split('\n').slice(1)) {
    const match = /(file:\/\/[^\s()]+?):\d+:\d+\)?$/.exec(line.trim());
    if (match && match[1] !== import.meta.url) return readFileSync(new URL(file, match[1]), 'utf8');
  }
  throw new Error(`open(${file}): no calling module`);
};
