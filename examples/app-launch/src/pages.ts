import { html, raw } from "hono/html";
import {
  observationCategory,
  observationLabel,
  observationValue,
  patientName,
  type Observation,
  type Patient,
} from "./fhir.js";

type Html = ReturnType<typeof html>;

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
header{background:#1f4e79;color:#fff;padding:.75rem 1.5rem;display:flex;justify-content:space-between;align-items:center}
header a{color:#fff}
main{max-width:52rem;margin:1.5rem auto;padding:0 1.5rem}
.banner{background:#fff;border:1px solid #cbd2d9;border-left:6px solid #1f4e79;border-radius:6px;padding:1rem 1.25rem;margin-bottom:1.5rem}
.banner h2{margin:0 0 .25rem;font-size:1.4rem}
.banner dl{display:flex;gap:2rem;margin:0}.banner dt{font-size:.8rem;color:#52606d}.banner dd{margin:0;font-weight:600}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #cbd2d9}
th,td{text-align:left;padding:.5rem .75rem;border-bottom:1px solid #e4e7eb}th{background:#e4e7eb}
.error{background:#fff;border:1px solid #e12d39;border-left:6px solid #e12d39;border-radius:6px;padding:1rem 1.25rem}
.error h2{color:#ab091e;margin-top:0}code{background:#e4e7eb;padding:0 .25rem;border-radius:3px}
button{font:inherit;padding:.5rem 1rem;border-radius:6px;border:0;background:#1f4e79;color:#fff;cursor:pointer}
.muted{color:#52606d;font-size:.9rem}`;

export function layout(title: string, body: Html): Html {
  return html`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · SMART App Launch example</title>
<style>${raw(STYLE)}</style></head>
<body><header><strong>SMART App Launch example</strong><a href="/">Start</a></header><main>${body}</main></body>
</html>`;
}

export function startPage(fhirBaseUrl: string, launches: { ctx: string; label: string }[], sandbox = false): Html {
  // issue 19: say what the user will see; the sandbox has no login form and no patient picker
  const standalone = sandbox
    ? html`<p>Standalone launch against the embedded sandbox <code>${fhirBaseUrl}</code>: it signs a test user in and picks its default patient without asking, so you land on the patient page at once.</p>`
    : html`<p>Standalone launch: the authorization server of <code>${fhirBaseUrl}</code> asks you to sign in and to choose a patient, then sends you back here.</p>`;
  return layout(
    "Start",
    html`<h1>Connect to a FHIR server</h1>
${standalone}
<form method="post" action="/standalone"><button type="submit" id="standalone">Start a standalone launch</button></form>
<p class="muted">An EHR launch starts from the EHR, which opens <code>/launch?iss=…&amp;launch=…</code>.</p>
${launches.length ? html`<h2>Launches in this browser session</h2><ul>${launches.map((l) => html`<li><a href="/patient/${l.ctx}">${l.label}</a></li>`)}</ul>` : ""}`,
  );
}

export interface PatientView {
  patient: Patient;
  observations: Observation[];
  showBanner: boolean;
  user: string | undefined;
  expiresAt: number | undefined;
}

export function patientPage(view: PatientView): Html {
  const { patient, observations } = view;
  const banner = html`<section class="banner" id="patient-banner" aria-label="Patient">
<h2>${patientName(patient)}</h2>
<dl><div><dt>Birth date</dt><dd id="birth-date">${patient.birthDate ?? "unknown"}</dd></div>
<div><dt>Gender</dt><dd>${patient.gender ?? "unknown"}</dd></div><div><dt>Id</dt><dd>${patient.id}</dd></div></dl></section>`;
  const rows = observations.map(
    (o) =>
      html`<tr><td>${o.effectiveDateTime?.slice(0, 10) ?? ""}</td><td>${observationLabel(o)}</td><td>${observationValue(o)}</td><td>${observationCategory(o)}</td><td>${o.status ?? ""}</td></tr>`,
  );
  return layout(
    patientName(patient),
    html`${view.showBanner ? banner : ""}
<h1>Observations</h1>
${
  observations.length
    ? html`<table id="observations"><thead><tr><th>Date</th><th>Observation</th><th>Value</th><th>Category</th><th>Status</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p id="no-observations">No Observations for this patient.</p>`
}
<p class="muted">${view.user ? html`Signed in as <code>${view.user}</code>. ` : ""}Access token ${view.expiresAt ? `valid until ${new Date(view.expiresAt).toISOString().slice(11, 19)} UTC` : "expiry not stated"}; it stays on the server.</p>`,
  );
}

/** A readable error page; every value is escaped by the `html` template. */
export function errorPage(title: string, message: string, details: [string, string | undefined][] = []): Html {
  const shown = details.filter((d): d is [string, string] => typeof d[1] === "string" && d[1] !== "");
  return layout(
    title,
    html`<section class="error" role="alert"><h2>${title}</h2><p>${message}</p>
${shown.length ? html`<dl>${shown.map(([k, v]) => html`<dt>${k}</dt><dd><code>${v}</code></dd>`)}</dl>` : ""}
<p><a href="/">Back to the start page</a></p></section>`,
  );
}
