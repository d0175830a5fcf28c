// Every page works without this; it adds GOV.UK Frontend's behaviour (error summary focus,
// double-click prevention, navigation toggle) where the browser runs modules.
import { initAll } from './govuk/govuk-frontend.min.js';

initAll();
