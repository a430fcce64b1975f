import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Controller } from './app/controller';
import { App } from './ui/App';
import { ControllerContext } from './ui/context';
import './styles.css';

const controller = new Controller();
controller.init();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <ControllerContext.Provider value={controller}>
      <App />
    </ControllerContext.Provider>
  </StrictMode>,
);
