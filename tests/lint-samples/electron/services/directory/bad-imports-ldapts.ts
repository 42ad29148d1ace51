import { Client } from 'ldapts';
export const client = Client;
