// launch.html: one call starts an EHR launch (iss + launch in the URL) or a standalone launch (fhirBaseUrl).
import { authorize } from "@fhir-dsl/smart-browser";
import { loadOptions } from "./config.js";
import { showError } from "./dom.js";

try {
  await authorize(await loadOptions());
} catch (error) {
  showError("Could not start the launch", error);
}
