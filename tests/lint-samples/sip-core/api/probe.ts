import { WebSocket } from 'ws';
import * as S from 'sip.js';
export const a = [WebSocket, S];
