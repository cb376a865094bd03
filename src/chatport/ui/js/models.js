// The model picker's choices: enabled models, the user's default first, then the
// server's default, then the rest.

import { h } from "./dom.js";

// What a request names the model by: its id, or "<provider>:<id>" when two
// providers offer the same id.
export function modelRefs(models) {
  const counts = new Map();
  for (const m of models) counts.set(m.model_id, (counts.get(m.model_id) || 0) + 1);
  return models.map((m) => ({ ...m, ref: counts.get(m.model_id) > 1 ? `${m.provider}:${m.model_id}` : m.model_id }));
}

export function orderedModels(models, preferred) {
  const refs = modelRefs(models);
  const rank = (m) => (preferred && (m.ref === preferred || m.model_id === preferred) ? 0 : m.is_default ? 1 : 2);
  return refs.map((m, k) => [m, k]).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([m]) => m);
}

export function modelSelect(models, preferred, label = "Model") {
  const list = orderedModels(models, preferred);
  const select = h("select", { class: "model-select", "aria-label": label, title: label },
    list.map((m) => h("option", { value: m.ref, text: `${m.display_name} · ${m.provider_display_name || m.provider}` })));
  if (list.length === 0) {
    select.append(h("option", { value: "", text: "No model available" }));
    select.disabled = true;
  }
  return select;
}
