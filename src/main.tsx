import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import './app/app.css';

// Scripted checks (e2e, benches) get the store and a few worker calls; the app itself never loads this.
if (new URLSearchParams(window.location.search).has('debug')) void import('./debug');

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
