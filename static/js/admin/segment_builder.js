/* The segment rule builder: nested groups (全部满足 / 任一满足) of rows field → op → value,
   written into the `rules` JSON field as they change, with a live count and a sample from
   the admin's preview endpoint. The field registry comes from the server (crm.selectors.segments), so
   the builder offers exactly what the validation accepts. No inline script: the CSP. */
(function () {
  "use strict";
  const MAX_DEPTH = 3;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([key, value]) {
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function init(root) {
    const fields = JSON.parse(root.dataset.fields);
    const byKey = Object.fromEntries(fields.map(function (f) { return [f.key, f]; }));
    const textarea = document.getElementById("id_rules");
    let rules;
    try { rules = JSON.parse(textarea.value || "{}"); } catch (e) { rules = {}; }
    if (!rules || !rules.match) rules = { match: "all", rules: [] };

    const tree = el("div", { class: "sb-tree" });
    const preview = el("div", { class: "sb-preview" });
    root.append(tree, preview);
    let timer = null;

    function changed() {
      textarea.value = JSON.stringify(rules, null, 2);
      clearTimeout(timer);
      timer = setTimeout(refreshPreview, 400);
      render();
    }

    function defaultValue(kind, field) {
      if (kind === "bool") return true;
      if (kind === "choice") return field.choices && field.choices.length ? field.choices[0][0] : "";
      if (kind === "choices" || kind === "text_list") return [];
      if (kind.endsWith("_range")) return [0, 0];
      if (kind === "days") return 30;
      if (kind === "days_count") return { days: 30, count: 1 };
      if (kind === "text" || kind === "date") return "";
      return 0;
    }

    function newRule() {
      const field = fields[0];
      return { field: field.key, op: field.ops[0].op, value: defaultValue(field.ops[0].kind, field) };
    }

    function numberInput(value, onChange, step) {
      const input = el("input", { type: "number", class: "sb-input sb-number", step: step || "1" });
      input.value = value;
      input.addEventListener("change", function () { onChange(input.value === "" ? null : Number(input.value)); });
      return input;
    }

    function yuanToFen(yuan) { return yuan === null ? null : Math.round(yuan * 100); }

    function valueEditor(rule, field, kind) {
      const set = function (value) { rule.value = value; changed(); };
      if (kind === "bool") {
        const select = el("select", { class: "sb-input" }, [el("option", { value: "1", text: "是" }), el("option", { value: "0", text: "否" })]);
        select.value = rule.value ? "1" : "0";
        select.addEventListener("change", function () { set(select.value === "1"); });
        return select;
      }
      if (kind === "choice" || kind === "choices") {
        const multiple = kind === "choices";
        const select = el("select", { class: "sb-input" + (multiple ? " sb-multi" : "") });
        if (multiple) select.multiple = true;
        (field.choices || []).forEach(function ([value, label], index) {
          const option = el("option", { value: String(index), text: label });
          option.selected = multiple ? (rule.value || []).includes(value) : rule.value === value;
          select.appendChild(option);
        });
        select.addEventListener("change", function () {
          const chosen = Array.from(select.selectedOptions).map(function (o) { return field.choices[Number(o.value)][0]; });
          set(multiple ? chosen : chosen[0]);
        });
        return select;
      }
      if (kind === "fen" || kind === "fen_range") {
        const wrap = el("span", { class: "sb-value" });
        if (kind === "fen") {
          wrap.append(numberInput(rule.value / 100, function (v) { set(yuanToFen(v)); }, "0.01"), el("span", { text: " 元" }));
        } else {
          const pair = Array.isArray(rule.value) ? rule.value : [0, 0];
          wrap.append(numberInput(pair[0] / 100, function (v) { set([yuanToFen(v), pair[1]]); }, "0.01"), el("span", { text: " – " }),
            numberInput(pair[1] / 100, function (v) { set([pair[0], yuanToFen(v)]); }, "0.01"), el("span", { text: " 元" }));
        }
        return wrap;
      }
      if (kind.endsWith("_range")) {
        const pair = Array.isArray(rule.value) ? rule.value : [0, 0];
        const step = kind === "number_range" ? "any" : "1";
        return el("span", { class: "sb-value" }, [
          numberInput(pair[0], function (v) { set([v, pair[1]]); }, step), el("span", { text: " – " }),
          numberInput(pair[1], function (v) { set([pair[0], v]); }, step), el("span", { text: field.unit ? " " + field.unit : "" }),
        ]);
      }
      if (kind === "days_count") {
        const v = rule.value || { days: 30, count: 1 };
        return el("span", { class: "sb-value" }, [
          el("span", { text: "最近 " }), numberInput(v.days, function (d) { set({ days: d, count: v.count }); }), el("span", { text: " 天，" }),
          numberInput(v.count, function (c) { set({ days: v.days, count: c }); }), el("span", { text: " 次" }),
        ]);
      }
      if (kind === "int" || kind === "number" || kind === "days") {
        return el("span", { class: "sb-value" }, [
          numberInput(rule.value, set, kind === "number" ? "any" : "1"),
          el("span", { text: kind === "days" ? " 天" : (field.unit ? " " + field.unit : "") }),
        ]);
      }
      const input = el("input", { type: kind === "date" ? "date" : "text", class: "sb-input" });
      if (kind === "text_list") input.placeholder = "多个用逗号分隔";
      input.value = kind === "text_list" ? (rule.value || []).join("，") : (rule.value || "");
      if (field.suggest) {
        const list = el("datalist", { id: "sb-suggest-" + field.key }, field.suggest.map(function (s) { return el("option", { value: s }); }));
        input.setAttribute("list", list.id);
        input.addEventListener("focus", function () { if (!document.getElementById(list.id)) document.body.appendChild(list); });
      }
      input.addEventListener("change", function () {
        set(kind === "text_list" ? input.value.split(/[,，]/).map(function (s) { return s.trim(); }).filter(Boolean) : input.value);
      });
      return input;
    }

    function ruleRow(rule, siblings) {
      const field = byKey[rule.field];
      const fieldSelect = el("select", { class: "sb-input", "aria-label": "条件字段" });
      const groups = {};
      fields.forEach(function (f) {
        groups[f.group] = groups[f.group] || el("optgroup", { label: f.group });
        groups[f.group].appendChild(el("option", { value: f.key, text: f.label }));
      });
      Object.values(groups).forEach(function (g) { fieldSelect.appendChild(g); });
      if (!field) fieldSelect.appendChild(el("option", { value: rule.field, text: rule.field + "（已停用）" }));
      fieldSelect.value = rule.field;
      fieldSelect.addEventListener("change", function () {
        const f = byKey[fieldSelect.value];
        rule.field = f.key; rule.op = f.ops[0].op; rule.value = defaultValue(f.ops[0].kind, f);
        changed();
      });
      const row = el("div", { class: "sb-rule" }, [fieldSelect]);
      if (field) {
        const opSelect = el("select", { class: "sb-input", "aria-label": "比较方式" }, field.ops.map(function (o) { return el("option", { value: o.op, text: o.label }); }));
        opSelect.value = rule.op;
        const spec = field.ops.find(function (o) { return o.op === rule.op; }) || field.ops[0];
        opSelect.addEventListener("change", function () {
          const next = field.ops.find(function (o) { return o.op === opSelect.value; });
          rule.op = next.op;
          if (next.kind !== spec.kind) rule.value = defaultValue(next.kind, field);
          changed();
        });
        const editor = valueEditor(rule, field, spec.kind);
        (editor.matches("input, select") ? [editor] : editor.querySelectorAll("input, select")).forEach(function (control) {
          control.setAttribute("aria-label", "条件值");
        });
        row.append(opSelect, editor);
        if (field.hint) row.appendChild(el("span", { class: "sb-hint", text: field.hint }));
      }
      row.appendChild(removeButton(siblings, rule));
      return row;
    }

    function removeButton(siblings, item) {
      const button = el("button", { type: "button", class: "sb-remove", title: "删除", "aria-label": "删除", text: "×" });
      button.addEventListener("click", function () { siblings.splice(siblings.indexOf(item), 1); changed(); });
      return button;
    }

    function groupBox(group, depth, siblings) {
      const match = el("select", { class: "sb-input", "aria-label": "满足方式" }, [el("option", { value: "all", text: "全部满足" }), el("option", { value: "any", text: "任一满足" })]);
      match.value = group.match;
      match.addEventListener("change", function () { group.match = match.value; changed(); });
      const head = el("div", { class: "sb-group-head" }, [match, el("span", { text: "以下条件" })]);
      if (siblings) head.appendChild(removeButton(siblings, group));
      const body = el("div", { class: "sb-group-body" }, group.rules.map(function (child) {
        return child && child.match ? groupBox(child, depth + 1, group.rules) : ruleRow(child, group.rules);
      }));
      const addRule = el("button", { type: "button", class: "sb-add", text: "＋ 添加条件" });
      addRule.addEventListener("click", function () { group.rules.push(newRule()); changed(); });
      const foot = el("div", { class: "sb-group-foot" }, [addRule]);
      if (depth < MAX_DEPTH) {
        const addGroup = el("button", { type: "button", class: "sb-add", text: "＋ 添加条件组" });
        addGroup.addEventListener("click", function () { group.rules.push({ match: "any", rules: [newRule()] }); changed(); });
        foot.appendChild(addGroup);
      }
      return el("div", { class: "sb-group sb-depth-" + depth }, [head, body, foot]);
    }

    function render() {
      tree.replaceChildren(groupBox(rules, 1, null));
    }

    function refreshPreview() {
      preview.replaceChildren(el("p", { class: "sb-muted", text: "正在计算…" }));
      fetch(root.dataset.previewUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ rules: rules }),
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (answer) {
        if (!answer.ok) {
          preview.replaceChildren(el("p", { class: "sb-error", text: answer.body.detail || "规则有误" }));
          return;
        }
        const rows = answer.body.sample.map(function (m) {
          return el("tr", {}, [el("td", { text: m.nickname }), el("td", { text: m.region || "—" }), el("td", { text: m.last_paid_at || "从未购买" })]);
        });
        const table = el("table", { class: "sb-sample" }, [
          el("thead", {}, [el("tr", {}, [el("th", { text: "昵称" }), el("th", { text: "地区" }), el("th", { text: "最近购买" })])]),
          el("tbody", {}, rows),
        ]);
        preview.replaceChildren(el("p", { class: "sb-count", text: "符合条件的会员：" + answer.body.count + " 人" }),
          rows.length ? table : el("p", { class: "sb-muted", text: "没有会员符合这些条件" }),
          rows.length ? el("p", { class: "sb-muted", text: "示例最多显示 20 位" }) : null);
      }).catch(function () {
        preview.replaceChildren(el("p", { class: "sb-error", text: "人数计算失败，请稍后再试" }));
      });
    }

    textarea.addEventListener("change", function () {
      try { rules = JSON.parse(textarea.value); render(); refreshPreview(); } catch (e) { /* the save shows the error */ }
    });
    render();
    if (rules.rules.length) refreshPreview();
  }

  document.addEventListener("DOMContentLoaded", function () {
    const root = document.getElementById("segment-builder");
    if (root) init(root);
  });
})();
