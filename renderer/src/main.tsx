import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createAppStore } from './store/app-store';
import { LAYOUT_KEY, readLayout, writeLayout } from './store/layout';
import './styles.css';

const container = document.getElementById('root');
if (!container) throw new Error('renderer: #root element is missing from index.html');

// One store for the page; the layout is read from and saved to localStorage (no secrets in it).
const store = createAppStore(readLayout(localStorage.getItem(LAYOUT_KEY)));
store.subscribe((s, prev) => {
  if (s.layout !== prev.layout) writeLayout(localStorage, s.layout);
});

createRoot(container).render(
  <StrictMode>
    <App store={store} />
  </StrictMode>,
);
