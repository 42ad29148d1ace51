import { UserAgent } from 'sip.js';
export const ua = UserAgent;
