import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { startApp } from './store/index.ts';
import './styles.css';
import { registerServiceWorker } from '../sw/register.ts';
import { markPageStage } from './lib/startup-marks.ts';

markPageStage('js');
startApp();
registerServiceWorker();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
