// Starts GOV.UK Frontend's components; every page also works without this.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
