/* The schedule admin: say in words what the chosen crontab means, under its field, as it
   is chosen (django-celery-beat's inline script, moved here: the CSP runs no inline script). */
(function () {
  "use strict";
  const script = document.currentScript;
  const data = document.getElementById("readable-crontabs");
  const readable = data ? JSON.parse(data.textContent) : {};
  const help = (script && script.dataset.crontabHelp) || "";

  function show() {
    const select = document.getElementById("id_crontab");
    const row = select && select.closest(".field-crontab");
    // unfold puts a field's help text in a .text-xs block under the widget; Django's admin in .help.
    const note = row && (row.querySelector(".help") || row.querySelector(".leading-relaxed.text-xs"));
    if (!note) return;
    const words = readable[select.value];
    note.textContent = words ? help + " 含义：" + words : help;
  }

  document.addEventListener("DOMContentLoaded", function () {
    const select = document.getElementById("id_crontab");
    if (!select) return;
    select.addEventListener("change", show);
    show();
  });
})();
