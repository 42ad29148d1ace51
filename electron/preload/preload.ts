/**
 * Preload (sandboxed): exposes only the contract client as `window.receptionist`. No Node, no ipcRenderer, no
 * channel names reach the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { ipcChannel, isCommandName, type EventName, type PreloadBridge } from '../contract/contract';

const bridge: PreloadBridge = {
  invoke: (name, args) => {
    if (!isCommandName(name)) {
      return Promise.resolve({ ok: false, error: { code: 'unknown-command', message: `Unknown command: ${String(name).slice(0, 64)}` } });
    }
    return ipcRenderer.invoke(ipcChannel.command, name, args);
  },
  on: (listener) => {
    const handler = (_e: IpcRendererEvent, event: { name: EventName; payload: unknown }) => listener(event);
    ipcRenderer.on(ipcChannel.event, handler);
    ipcRenderer.send(ipcChannel.hello);
    return () => ipcRenderer.removeListener(ipcChannel.event, handler);
  },
};

contextBridge.exposeInMainWorld('receptionist', bridge);
