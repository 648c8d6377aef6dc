// Entry of dist/ui.html: mount the panel with the in-iframe runtime.
import { render } from 'preact';
import { App } from './app';
import { createEngine } from './runtime';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<App engine={createEngine()} />, root);
