export const ipcChannel = { command: 'x' };
