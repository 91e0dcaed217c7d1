// Renderer entry: mounts the Svelte app. All lab access goes through window.lab (the preload).
import { mount } from 'svelte';
import App from './App.svelte';
import './styles.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

export default mount(App, { target });
