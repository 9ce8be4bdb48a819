#!/usr/bin/env node
// Entry point of the `peapod` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

register();
const here = dirname(fileURLToPath(import.meta.url));
const { main } = await import(join(here, '..', 'src', 'cli', 'peapod.ts'));
const code = await main(process.argv.slice(2));
process.exitCode = code;
