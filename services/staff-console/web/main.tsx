import { render } from 'preact';
import './styles.css';
import { App } from './App.js';
import { startClock } from './format.js';
import { startRouter } from './router.js';
import { loadSession } from './session.js';

startRouter();
startClock();
loadSession();
render(<App />, document.getElementById('app')!);
