import { mount } from 'svelte';
import App from './App.svelte';
import IncomingCallWindow from './components/IncomingCallWindow.svelte';
import { createConsoleClient } from './lib/ipc/client';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('#app missing from index.html');

// `?view=incoming`: the Electron shell's compact incoming-call window (no panes, no audio).
const view = new URLSearchParams(location.search).get('view');
export default view === 'incoming'
  ? mount(IncomingCallWindow, { target, props: { client: createConsoleClient() } })
  : mount(App, { target, props: { client: createConsoleClient() } });
