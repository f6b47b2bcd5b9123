/* 个人资料: the member's own fields and the shop's attributes, saved through PATCH /api/v1/me;
   the API's message for a field is shown beside it. */
(function () {
  "use strict";
  const { api, toast } = window.Micromall;
  const form = document.getElementById("profile-form");

  function attributeValue(field) {
    const input = field.querySelector("input, select");
    const kind = field.dataset.kind;
    if (kind === "boolean") {
      // A switch cannot show "not answered": an untouched one that was never set stays unset.
      return input.checked || field.hasAttribute("data-set") || input.dataset.touched ? input.checked : undefined;
    }
    const text = input.value.trim();
    if (text === "") return null;
    return kind === "number" ? Number(text) : text;
  }

  function showErrors(fields) {
    form.querySelectorAll("[data-error-for]").forEach((el) => { el.textContent = ""; });
    const flat = Object.assign({}, fields);
    Object.entries(fields.attributes || {}).forEach(([key, messages]) => { flat["attributes." + key] = messages; });
    Object.entries(flat).forEach(([name, messages]) => {
      const el = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
      if (el && Array.isArray(messages)) el.textContent = messages.join("；");
    });
  }

  form.querySelectorAll('[data-kind="boolean"] input').forEach((input) => {
    input.addEventListener("change", () => { input.dataset.touched = "1"; });
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      gender: Number(form.elements.gender.value),
      province: form.elements.province.value.trim(),
      city: form.elements.city.value.trim(),
      phone: form.elements.phone.value.trim(),
      attributes: {},
    };
    form.querySelectorAll("[data-attribute]").forEach((field) => {
      const value = attributeValue(field);
      if (value !== undefined) body.attributes[field.dataset.attribute] = value;
    });
    showErrors({});
    try {
      await api("PATCH", "/api/v1/me", body);
      toast("已保存");
    } catch (e) {
      showErrors(e.fields || {});
      toast(e.detail);
    }
  });
})();
