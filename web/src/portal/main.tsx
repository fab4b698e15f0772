import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import App from './App.tsx';
import { applyElder, initialElder } from './prefs.ts';
import './portal.css';

// Before the first paint, so a resident in large-type mode never sees the small page flash.
applyElder(initialElder());

const root = document.getElementById('root');
if (!root) throw new Error('#root missing in portal.html');
createRoot(root).render(
  <StrictMode>
    <BrowserRouter basename="/portal">
      <App />
    </BrowserRouter>
  </StrictMode>,
);
