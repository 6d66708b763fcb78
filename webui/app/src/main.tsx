// Entry point: one API client for the page's lifetime, handed down by context.

import { render } from 'preact';
import { createApi } from './api.tsx';
import { App } from './app.tsx';

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App api={createApi()} />, root);
}
