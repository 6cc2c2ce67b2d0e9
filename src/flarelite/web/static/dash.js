// Progressive enhancement only: every form works without this file (no inline scripts: CSP).
"use strict";

document.documentElement.classList.add("js");

function curlCommand(form) {
  const token = document.getElementById("api-token").value.trim() || "<API_TOKEN>";
  const file = document.getElementById("image-file-name").value.trim() || "<FILE_NAME>";
  return "curl -X POST -F file=@./" + file + " -H \"Authorization: Bearer " + token + "\" " +
    form.dataset.publicUrl + "/client/v4/accounts/" + form.dataset.accountId + "/images/v1";
}

function setUpUseApi() {
  const form = document.getElementById("use-api-form");
  const panel = document.getElementById("use-api");
  const toggle = document.getElementById("use-api-toggle");
  if (!form || !panel || !toggle) return;
  const box = document.getElementById("curl-command");
  const update = () => { box.value = curlCommand(form); };
  form.addEventListener("input", update);
  form.addEventListener("submit", (event) => { event.preventDefault(); update(); });
  toggle.addEventListener("click", (event) => {
    event.preventDefault();
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) document.getElementById("api-token").focus();
  });
}

function setUpCopyButtons() {
  for (const button of document.querySelectorAll("button.copy[data-copy-target]")) {
    button.addEventListener("click", async () => {
      const target = document.getElementById(button.dataset.copyTarget);
      const text = "value" in target && target.value !== undefined ? target.value : target.textContent;
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
      } catch (error) {
        if (target.select) target.select();  // no clipboard access: select it for Ctrl+C
        button.textContent = "Press Ctrl+C";
      }
    });
  }
}

function setUpConfirmations() {
  for (const form of document.querySelectorAll("form.confirm[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
}

function filterGroups(row) {
  const scope = row.querySelector(".perm-scope").value;
  const groups = row.querySelector(".perm-group");
  for (const optgroup of groups.querySelectorAll("optgroup")) {
    const match = optgroup.dataset.scope === scope;
    optgroup.hidden = !match;
    for (const option of optgroup.querySelectorAll("option")) option.disabled = !match;
  }
  const chosen = groups.selectedOptions[0];
  if (chosen && chosen.disabled) groups.value = "";
}

function showResourcePicker(row) {
  const kind = row.querySelector(".res-kind").value;
  row.querySelector(".res-zone").hidden = kind !== "zone";
  row.querySelector(".res-account").hidden = !(kind === "account" || kind === "account_zones");
}

function setUpTokenForm() {
  for (const row of document.querySelectorAll(".perm-row")) {
    filterGroups(row);
    row.querySelector(".perm-scope").addEventListener("change", () => filterGroups(row));
  }
  for (const row of document.querySelectorAll(".res-row")) {
    showResourcePicker(row);
    row.querySelector(".res-kind").addEventListener("change", () => showResourcePicker(row));
  }
}

// DNS record form: only the chosen type's fields show; hidden ones are disabled so they are
// not posted (the server ignores them anyway, see web/record_form.py).
function showRecordFields(form) {
  const chosen = form.querySelector("[name=type]").value.toUpperCase();
  for (const part of form.querySelectorAll(".per-type[data-types]")) {
    const match = part.dataset.types.split(" ").includes(chosen);
    part.hidden = !match;
    for (const field of part.querySelectorAll("input, select")) field.disabled = !match;
  }
}

function setUpRecordForms() {
  for (const form of document.querySelectorAll("form.record-form")) {
    showRecordFields(form);
    form.querySelector("[name=type]").addEventListener("change", () => showRecordFields(form));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setUpUseApi();
  setUpCopyButtons();
  setUpConfirmations();
  setUpTokenForm();
  setUpRecordForms();
});
