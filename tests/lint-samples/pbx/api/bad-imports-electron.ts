import { ipcChannel } from '../../electron/contract/contract';
import { ua } from '../../sip-core/api/bad-imports-sipjs';
export const leak = [ipcChannel, ua];
