// Entry of dist/ui.html and dist/web: mount the panel with the in-iframe runtime.
import { render } from 'preact';
import { App } from './app';
import { applyHostedTheme, uiHost } from './panel/bridge';
import { createEngine } from './runtime';
import './styles.css';

applyHostedTheme(document.documentElement, uiHost());
const root = document.getElementById('app');
if (root) render(<App engine={createEngine()} />, root);
