import { mount } from 'svelte';
import App from './App.svelte';
import { createConsoleClient } from './lib/ipc/client';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('#app missing from index.html');

export default mount(App, { target, props: { client: createConsoleClient() } });
