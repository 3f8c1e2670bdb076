/** The inbox UI's entry: Preact renders the app into the page's one element. */
import { render } from 'preact';
import { App } from './app';
import './styles.css';

render(<App />, document.getElementById('app')!);
