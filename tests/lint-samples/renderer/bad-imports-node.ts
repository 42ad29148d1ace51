import { readFileSync } from 'node:fs';
import { helper } from '../electron/services/helper';
export const r = [readFileSync, helper];
