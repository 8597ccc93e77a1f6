// index.html, the redirect URI: one call completes the launch, or resumes this tab's session after a reload.
import { ready, signOut, type BrowserAppOptions } from "@fhir-dsl/smart-browser";
import type { SmartClient } from "@fhir-dsl/smart";
import { loadOptions } from "./config.js";
import { el, show, showError } from "./dom.js";
import { loadPatientChart, observationLabel, observationValue, patientName } from "./fhir.js";

async function render(client: SmartClient): Promise<void> {
  const patientId = client.patientId;
  if (patientId === undefined) return show(el("p", { id: "no-patient" }, "No patient in the launch context."));
  const { patient, observations } = await loadPatientChart(client.fetch, client.fhirBaseUrl, patientId);
  const banner = el(
    "section",
    { class: "banner", id: "patient-banner", "aria-label": "Patient" },
    el("h2", {}, patientName(patient)),
    el(
      "dl",
      {},
      el("div", {}, el("dt", {}, "Birth date"), el("dd", { id: "birth-date" }, patient.birthDate ?? "unknown")),
      el("div", {}, el("dt", {}, "Gender"), el("dd", {}, patient.gender ?? "unknown")),
      el("div", {}, el("dt", {}, "Id"), el("dd", {}, patient.id)),
    ),
  );
  const rows = observations.map((o) =>
    el(
      "tr",
      {},
      el("td", {}, o.effectiveDateTime?.slice(0, 10) ?? ""),
      el("td", {}, observationLabel(o)),
      el("td", {}, observationValue(o)),
      el("td", {}, o.status ?? ""),
    ),
  );
  const expiresAt = client.token?.expires_at;
  show(
    ...(client.needPatientBanner === false ? [] : [banner]),
    el("h1", {}, "Observations"),
    observations.length
      ? el(
          "table",
          { id: "observations" },
          el("thead", {}, el("tr", {}, ...["Date", "Observation", "Value", "Status"].map((h) => el("th", {}, h)))),
          el("tbody", {}, ...rows),
        )
      : el("p", { id: "no-observations" }, "No Observations for this patient."),
    el(
      "p",
      { class: "muted", id: "session" },
      client.fhirUser ? `Signed in as ${client.fhirUser}. ` : "",
      `Access token ${expiresAt ? `valid until ${new Date(expiresAt).toISOString().slice(11, 19)} UTC` : "expiry not stated"}; kept in this tab's sessionStorage.`,
    ),
  );
}

function offerSignOut(options: BrowserAppOptions, client: SmartClient): void {
  const button = document.getElementById("sign-out") as HTMLButtonElement;
  button.hidden = false;
  button.onclick = async () => {
    button.disabled = true;
    await signOut({ ...options, client, revoke: true }).catch(() => undefined); // storage is cleared either way
    button.hidden = true;
    show(
      el("p", { id: "signed-out" }, "Signed out. ", el("a", { href: "./launch.html" }, "Start a standalone launch")),
    );
  };
}

try {
  const options = await loadOptions();
  const client = await ready(options);
  offerSignOut(options, client);
  await render(client);
} catch (error) {
  showError("Could not open the SMART session", error);
}
