/** A CallView as main sends it, for unit tests of the renderer's and shell's decisions. */
import type { CallView } from '../../../electron/contract';

export function callView(id: string, state: CallView['state'], extra: Partial<CallView> = {}): CallView {
  return {
    id,
    accountId: 'acc-1',
    direction: 'incoming',
    state,
    remote: { user: '1002', uri: 'sip:1002@pbx' },
    mediaMode: 'rtp',
    createdAt: 0,
    line: 1,
    muted: false,
    volume: 1,
    ...extra,
  };
}
