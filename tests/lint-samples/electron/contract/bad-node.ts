import { readFileSync } from 'node:fs';
export const c = readFileSync;
