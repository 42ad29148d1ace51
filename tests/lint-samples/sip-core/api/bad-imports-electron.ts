import { ipcChannel } from '../../electron/contract/contract';
export const leak = ipcChannel;
